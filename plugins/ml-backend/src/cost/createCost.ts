import { ML_TEAM_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import { CostSource } from '@ml-portal/plugin-ml-node';
import { DomainDeps } from '../shared/domainDeps';
import { MlNotifier } from '../shared/notify';
import { readPools } from '../shared/pools';
import { DatabaseBudgetStore } from './BudgetStore';
import {
  budgetsOver,
  CostLineage,
  CostLoggedModels,
  CostModelVersions,
  CostService,
} from './CostService';
import { DatabaseCostStore, RunMetricPeaks } from './DatabaseCostStore';
import { FileCostSource } from './imports';
import { PriceBook } from './priceBook';
import { createCostRouter } from './router';
import { readServingCostSettings } from './servingCost';
import { ServingUsageSource } from './ServingUsageSource';

/**
 * GPU spend: its store and service (prices of the configured pools, budgets), the
 * scheduled import of real bills (configured files and the cost sources modules add),
 * its router, and what it offers the plugin: the service (training's budget holds and
 * metering) and its permission resource (a team's spend).
 *
 * @internal
 */
export async function createCost(
  deps: DomainDeps & {
    /** Bills from modules (`mlCostSourcesExtensionPoint`). */
    costSources: CostSource[];
    /** Runs' metric peaks (GPU memory use), from tracking. */
    runMetrics: RunMetricPeaks;
    /** Endpoints' replicas and requests, from deployments: serving is metered from them. */
    servingUsage?: ServingUsageSource;
    /**
     * A model version's cost reads the registry (the version), a logged model's reads
     * tracking (the model); both read lineage (their runs).
     */
    models?: CostModelVersions;
    loggedModels?: CostLoggedModels;
    lineage?: CostLineage;
    /** Budget alerts to teams' groups. */
    notifier?: MlNotifier;
  },
) {
  const { config, logger } = deps;
  const pools = readPools(config);
  const servingSettings = readServingCostSettings(config);
  const budgetStore = DatabaseBudgetStore.create({ knex: deps.knex });
  const service = new CostService({
    store: DatabaseCostStore.create({
      knex: deps.knex,
      runMetrics: deps.runMetrics,
    }),
    priceBook: PriceBook.fromConfig(config, pools),
    pools,
    // Config's budgets are the defaults; one set through the API replaces a team's.
    budgets: budgetsOver(CostService.readBudgets(config), budgetStore),
    budgetStore,
    logger,
    access: deps.access,
    serving: deps.servingUsage && {
      source: deps.servingUsage,
      settings: servingSettings,
    },
    models: deps.models,
    loggedModels: deps.loggedModels,
    lineage: deps.lineage,
    notifier: deps.notifier,
  });
  if (deps.servingUsage) {
    // Each run meters the hours that closed; the hour's claim makes a second runner harmless.
    await deps.scheduler.scheduleTask({
      id: 'ml-serving-metering',
      frequency: { minutes: servingSettings.meterIntervalMinutes },
      timeout: { minutes: 10 },
      initialDelay: { seconds: 30 },
      fn: async () => {
        try {
          await service.meterServing();
        } catch (error) {
          logger.warn(`Could not meter serving usage: ${error}`);
        }
      },
    });
  }
  // Real bills for reconciliation, on a schedule.
  const billSources = [
    ...FileCostSource.fromConfig(config),
    ...deps.costSources,
  ];
  if (billSources.length > 0) {
    await deps.scheduler.scheduleTask({
      id: 'ml-cost-imports',
      frequency: {
        minutes:
          config.getOptionalNumber('ml.cost.importIntervalMinutes') ?? 60,
      },
      timeout: { minutes: 10 },
      initialDelay: { seconds: 15 },
      fn: async () => {
        for (const source of billSources) {
          try {
            const result = await service.storeBill(
              source.id,
              await source.read(),
            );
            logger.info(
              `Imported ${result.rows} ${source.id} cost lines (${result.added} new, ${result.changed} changed)`,
            );
          } catch (error) {
            logger.warn(`Could not import ${source.id} costs: ${error}`);
          }
        }
      },
    });
  }
  return {
    service,
    router: createCostRouter({
      cost: service,
      resolveCaller: deps.resolveCaller,
    }),
    resources: {
      [ML_TEAM_RESOURCE_TYPE]: async (team: string) => ({ owner: team }),
    },
  };
}
