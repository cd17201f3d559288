import {
  BudgetStatus,
  CatalogDataset,
  ModelReadiness,
  ReadinessOverview,
  RegisteredModel,
} from '@ml-portal/plugin-ml-common';
import { chunks } from '../database/chunks';
import { Caller } from '../shared/caller';
import { MonitoredServing, readinessChecks } from './checks';
import {
  ArtifactStoreDescription,
  ReadinessBudgets,
  ReadinessEndpoints,
  ReadinessJobs,
  ReadinessLineage,
  ReadinessModels,
  ReadinessMonitoring,
  ReadinessRuns,
} from './ports';

/** Hops from a version to its data: version ← run ← job ← dataset, and one spare. */
const UPSTREAM_DEPTH = 4;
/** Models scored at once in the portal-wide view: each reads a few domains. */
const MODELS_AT_ONCE = 4;

/** Per-request memo of teams' budgets: many models share an owner. */
type BudgetMemo = Map<string, Promise<BudgetStatus | undefined>>;

/**
 * The production-readiness scorecard: per model, the checks of `./checks.ts` on facts
 * read through the ports when asked (nothing is stored, so a fix shows at once). The
 * caller must be able to read the model; the portal-wide view scores the models the
 * caller may read.
 *
 * @internal
 */
export class ReadinessService {
  constructor(
    private readonly options: {
      models: ReadinessModels;
      runs: ReadinessRuns;
      lineage: ReadinessLineage;
      jobs: ReadinessJobs;
      endpoints: ReadinessEndpoints;
      monitoring: ReadinessMonitoring;
      budgets: ReadinessBudgets;
      artifactStore: ArtifactStoreDescription;
    },
  ) {}

  async forModel(caller: Caller, name: string): Promise<ModelReadiness> {
    const model = await this.options.models.get(caller, name);
    return this.evaluate(model, new Map());
  }

  /** Every readable model's scorecard: in production first, then the most failing. */
  async overview(caller: Caller): Promise<ReadinessOverview> {
    const models = await this.options.models.readable(caller);
    const budgets: BudgetMemo = new Map();
    const scored: ModelReadiness[] = [];
    for (const batch of chunks(models, MODELS_AT_ONCE)) {
      scored.push(
        ...(await Promise.all(batch.map(m => this.evaluate(m, budgets)))),
      );
    }
    scored.sort(
      (a, b) =>
        Number(b.inProduction) - Number(a.inProduction) ||
        b.total - b.passed - (a.total - a.passed) ||
        a.name.localeCompare(b.name),
    );
    return { models: scored };
  }

  /** `passed/total` per readable model, as the catalog publishes it. */
  async scores(caller: Caller): Promise<Map<string, string>> {
    const { models } = await this.overview(caller);
    return new Map(models.map(m => [m.name, `${m.passed}/${m.total}`]));
  }

  private async evaluate(
    model: RegisteredModel,
    budgets: BudgetMemo,
  ): Promise<ModelReadiness> {
    const { models, runs, jobs } = this.options;
    const aliases = new Map(model.aliases.map(a => [a.alias, a.version]));
    const alias = models.protectedAliases.find(a => aliases.has(a));
    const newest = Math.max(
      0,
      ...model.latestVersions.map(v => Number(v.version)),
    );
    const number = alias ? Number(aliases.get(alias)) : newest;
    const version =
      number > 0 ? await models.version(model.name, number) : undefined;
    const gateAlias = models.protectedAliases[0] ?? 'production';
    const [run, job, upstream, serving, budget] = await Promise.all([
      version?.runId ? runs.getRun(version.runId) : undefined,
      version?.runId ? jobs.jobOfRun(version.runId) : undefined,
      version ? this.upstream(version.versionId) : undefined,
      this.serving(model.name),
      this.budgetOf(model.owner, budgets),
    ]);
    const checks = readinessChecks({
      model,
      alias,
      version,
      run,
      job,
      datasets: upstream?.datasets ?? [],
      featureViews: upstream?.featureViews ?? [],
      gateAlias,
      gates: models.gatesFor(gateAlias, model.tags),
      endpoints: serving,
      budget,
      formatUsd: this.options.budgets.formatUsd,
      artifactStore: this.options.artifactStore,
    });
    return {
      name: model.name,
      owner: model.owner,
      ...(version && { version: String(version.version) }),
      inProduction: Boolean(alias) || serving.length > 0,
      passed: checks.filter(c => c.status === 'pass').length,
      total: checks.length,
      checks,
    };
  }

  /** The datasets and feature views upstream of a version. */
  private async upstream(versionId: string) {
    const { lineage } = this.options;
    const nodes =
      (
        await lineage.upstreamOfEach(
          'model_version',
          [versionId],
          UPSTREAM_DEPTH,
        )
      ).get(versionId) ?? [];
    const datasetIds = [
      ...new Set(nodes.filter(n => n.kind === 'dataset').map(n => n.id)),
    ];
    const datasets = (
      await Promise.all(datasetIds.map(id => lineage.findDataset(id)))
    ).filter((d): d is CatalogDataset => Boolean(d));
    return {
      datasets,
      featureViews: [
        ...new Set(nodes.filter(n => n.kind === 'feature_view').map(n => n.id)),
      ],
    };
  }

  /** The endpoints serving a version now, with what they are monitored with. */
  private async serving(modelName: string): Promise<MonitoredServing[]> {
    const { endpoints, monitoring } = this.options;
    const all = await endpoints.listEndpoints({ modelName });
    const live = await endpoints.liveDeployments(all.map(e => e.id));
    const serving = all
      .map(e => ({
        id: e.id,
        name: e.name,
        kind: e.kind,
        versions: live
          .filter(d => d.endpointId === e.id)
          .sort(
            (a, b) => Number(b.role === 'stable') - Number(a.role === 'stable'),
          )
          .map(d => d.version),
      }))
      .filter(e => e.versions.length > 0);
    return Promise.all(
      serving.map(async e => ({
        ...e,
        settings: await monitoring.settings(e.id),
        baseline: await monitoring.baseline(modelName, e.versions[0]),
      })),
    );
  }

  private budgetOf(team: string, memo: BudgetMemo) {
    let budget = memo.get(team);
    if (!budget) {
      budget = this.options.budgets.budgetOf(team);
      memo.set(team, budget);
    }
    return budget;
  }
}
