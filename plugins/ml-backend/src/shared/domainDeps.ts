import {
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { CallerResolver } from '../schema/portalRouter';
import { AccessControl } from './AccessControl';

/**
 * What the plugin hands every domain's `create<Domain>`; each adds what it needs of
 * other domains as interfaces of its own.
 *
 * @internal
 */
export type DomainDeps = {
  config: RootConfigService;
  logger: LoggerService;
  scheduler: SchedulerService;
  /** The plugin's database; only the domain's stores touch it. */
  knex: Knex;
  access: AccessControl;
  resolveCaller: CallerResolver;
  /** Owner of what anonymous or service callers create. */
  defaultOwner: string;
};
