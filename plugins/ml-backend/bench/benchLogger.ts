import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';

/**
 * The benches' root logger. The default one collects the config schemas of every
 * workspace package to redact secrets, so one package mid-edit elsewhere in the repo
 * fails start-up; the benches hold no secrets worth redacting: a plain logger, quiet
 * unless LOG_LEVEL says.
 */
export const benchRootLogger = createServiceFactory({
  service: coreServices.rootLogger,
  deps: {},
  factory: () =>
    WinstonLogger.create({
      meta: { service: 'ml-bench' },
      level: process.env.LOG_LEVEL ?? 'warn',
      format: WinstonLogger.colorFormat(),
    }),
});
