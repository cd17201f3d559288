/*
 * Bench-only backend: the ml plugin alone on Backstage's default services, configured by
 * bench/app-config.bench.yaml plus APP_CONFIG_* environment variables set by the driver
 * (bench/tracking.ts). Not part of the plugin build; the driver starts it as a child:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/server.ts --config ...
 */
import { createBackend } from '@backstage/backend-defaults';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mlModuleLocalComputeTarget } from '../src';

const backend = createBackend();

// The default root logger collects the config schemas of every workspace package to
// redact secrets, so one package mid-edit elsewhere in the repo fails start-up. The
// bench holds no secrets worth redacting: a plain logger, quiet unless LOG_LEVEL says.
backend.add(
  createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory: () =>
      WinstonLogger.create({
        meta: { service: 'ml-bench' },
        level: process.env.LOG_LEVEL ?? 'warn',
        format: WinstonLogger.colorFormat(),
      }),
  }),
);
backend.add(import('../src'));
// The local compute target: the replica tests run their jobs on this host.
backend.add(mlModuleLocalComputeTarget);

backend.start().catch(error => {
  process.stderr.write(
    `Bench backend failed to start: ${error?.stack ?? error}\n`,
  );
  process.exit(1);
});
