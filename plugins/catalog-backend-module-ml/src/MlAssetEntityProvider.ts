import {
  AuthService,
  DiscoveryService,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { assetToEntity, findEntityProblem } from './assetEntities';
import { PublishedEntities, diffEntities } from './entityDiff';
import { MlAssetsClient, MlAssetsResponse } from './MlAssetsClient';

/** Binds the published entities to this provider: no other source can take them over. */
const LOCATION_KEY = 'ml-platform';

/**
 * Publishes the ML platform's assets (registered models, feature views, datasets,
 * serving endpoints) as `Resource` entities. The first refresh of a process replaces everything the provider
 * published before (a `full` mutation); later refreshes send only what changed (a
 * `delta`), and nothing when nothing did.
 *
 * @public
 */
export class MlAssetEntityProvider implements EntityProvider {
  private readonly client: MlAssetsClient;
  private connection?: EntityProviderConnection;
  /** What the catalog holds from this process; undefined until a full mutation succeeds. */
  private published?: PublishedEntities;
  /** Skipped-asset messages of the previous refresh, so each is logged once, not every 30 s. */
  private reportedProblems = new Set<string>();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      logger: LoggerService;
      discovery: DiscoveryService;
      auth: AuthService;
      scheduler: SchedulerService;
      schedule: SchedulerServiceTaskScheduleDefinition;
      /** The frontend's base URL (`app.baseUrl`), for the entities' links. */
      appBaseUrl: string;
    },
  ) {
    this.client = new MlAssetsClient(options);
  }

  getProviderName(): string {
    return 'MlAssetEntityProvider';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.options.scheduler.scheduleTask({
      id: `${this.getProviderName()}:refresh`,
      ...this.options.schedule,
      // The delta baseline lives in this process's memory, so every replica refreshes
      // its own; with a global task a replica that rarely ran would hold a stale
      // baseline and could miss removing what another replica published.
      scope: 'local',
      fn: signal => this.refresh(signal),
    });
  }

  /**
   * Reads the assets and applies what changed to the catalog. When the ml backend cannot
   * be read, logs a warning and leaves the catalog as it is. Refreshes never overlap.
   */
  refresh(signal?: AbortSignal): Promise<void> {
    const run = this.running.then(() => this.refreshOnce(signal));
    this.running = run.catch(() => {});
    return run;
  }

  private async refreshOnce(signal?: AbortSignal): Promise<void> {
    const { connection } = this;
    if (!connection) {
      throw new Error(`${this.getProviderName()} is not connected yet`);
    }
    const { logger } = this.options;

    let response;
    try {
      response = await this.client.readAssets(signal);
    } catch (error) {
      logger.warn(
        `Cannot read ML assets from the ml backend; the catalog keeps its ML entities as they are: ${error}`,
      );
      return;
    }

    const entities = await this.toEntities(response);
    const { changed, removedRefs, index } = diffEntities(
      this.published ?? new Map(),
      entities,
    );
    try {
      if (!this.published) {
        await connection.applyMutation({
          type: 'full',
          entities: entities.map(deferred),
        });
        logger.info(`Published ${entities.length} ML assets to the catalog`);
      } else if (changed.length > 0 || removedRefs.length > 0) {
        await connection.applyMutation({
          type: 'delta',
          added: changed.map(deferred),
          removed: removedRefs.map(entityRef => ({
            entityRef,
            locationKey: LOCATION_KEY,
          })),
        });
        logger.info(
          `Updated ML assets in the catalog: ${changed.length} new or changed, ${removedRefs.length} removed`,
        );
      }
    } catch (error) {
      // The catalog may hold part of the change: start over from a full mutation.
      this.published = undefined;
      throw error;
    }
    this.published = index;
  }

  /**
   * The valid entities; malformed or invalid assets, assets whose entity name is not the
   * one `assetEntityName` gives their type and exact name, and assets listed twice are
   * skipped and logged. Since an entity name follows from its asset alone, no asset can
   * publish under another's name, whichever comes first.
   */
  private async toEntities(response: MlAssetsResponse): Promise<Entity[]> {
    const problems = [...response.malformed];
    const entities = new Map<string, Entity>();
    for (const asset of response.assets) {
      const entity = assetToEntity(asset, {
        appBaseUrl: this.options.appBaseUrl,
        mlBaseUrl: response.mlBaseUrl,
      });
      const problem = await findEntityProblem(asset, entity);
      if (problem) {
        problems.push(`asset '${asset.entityName}': ${problem}`);
        continue;
      }
      const ref = stringifyEntityRef(entity);
      if (entities.has(ref)) {
        problems.push(
          `asset '${asset.entityName}': another asset has its name`,
        );
        continue;
      }
      entities.set(ref, entity);
    }
    for (const problem of problems) {
      if (!this.reportedProblems.has(problem)) {
        this.options.logger.warn(`Skipped ML ${problem}`);
      }
    }
    this.reportedProblems = new Set(problems);
    return [...entities.values()];
  }
}

function deferred(entity: Entity): DeferredEntity {
  return { entity, locationKey: LOCATION_KEY };
}
