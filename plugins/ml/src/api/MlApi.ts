/* eslint-disable new-cap -- openapi-fetch names its methods after the HTTP verbs (GET, POST) */
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import createClient, { Client, Middleware } from 'openapi-fetch';
import {
  ArtifactFile,
  BudgetSetting,
  SetBudgetRequest,
  CostImportResult,
  CostRecommendation,
  CostSummary,
  LoggedModelCost,
  ModelVersionCost,
  Experiment,
  GpuPrice,
  GpuPoolSummary,
  JobSpec,
  TrainingJob,
  TrainingJobDetails,
  TrainingProfile,
  TrainingProfileInput,
  TeamQuotas,
  ExperimentSummary,
  ListExperimentsRequest,
  MetricHistory,
  MlHealthResponse,
  Page,
  Run,
  SearchRunsRequest,
  CatalogDataset,
  LineageDirection,
  LineageGraph,
  LineageNodeRef,
  ModelVersion,
  ModelVersionDetails,
  PromotionRequest,
  PromotionRequestStatus,
  RegisteredModel,
  RegisteredModelDetails,
  RegistryAuditEvent,
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureView,
  FeatureViewDetails,
  MlApiComponents,
  MlApiPaths,
  CreateDatasetRequest,
  CreateModelRequest,
  RegisterModelVersionRequest,
  PromotionRequestInput,
  CostImportRequest,
  CreateEndpointRequest,
  DeployRequest,
  BatchRunRequest,
  Endpoint,
  EndpointDetails,
  EndpointMetrics,
  ModelPipeline,
  EndpointMonitoring,
  MonitoredEndpoint,
  MonitoringAlert,
  MonitoringSettings,
  ModelReadiness,
} from '@ml-portal/plugin-ml-common';

/** @public */
export type ComputeTargetSummary =
  MlApiComponents['schemas']['ComputeTargetSummary'];

/** An MLflow 3 logged model of a run, with the step the run output it at. @public */
export type LoggedModel = MlApiComponents['schemas']['LoggedModel'];

/** The bill and allocation formats `importBill` reads. @public */
export type CostImportFormat = MlApiComponents['schemas']['CostImportFormat'];

/** @public */
export const COST_IMPORT_FORMATS: ReadonlyArray<CostImportFormat> = [
  'opencost',
  'aws-cur',
];

/**
 * The ml backend's API as the pages use it.
 *
 * @public
 */
export interface MlApi {
  getHealth(): Promise<MlHealthResponse>;
  listComputeTargets(): Promise<ComputeTargetSummary[]>;
  listExperiments(
    request: ListExperimentsRequest,
  ): Promise<Page<ExperimentSummary>>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Rejects with a ResponseError whose body names a filter syntax error (400). */
  searchRuns(request: SearchRunsRequest): Promise<Page<Run>>;
  getRun(runId: string): Promise<Run>;
  /** The MLflow 3 logged models a run produced, newest first. */
  listRunLoggedModels(runId: string): Promise<LoggedModel[]>;
  /** The series of one metric, downsampled on the server to at most `maxPoints`. */
  getMetricHistory(request: {
    runId: string;
    key: string;
    maxPoints?: number;
  }): Promise<MetricHistory>;
  listArtifacts(request: {
    runId: string;
    path?: string;
  }): Promise<ArtifactFile[]>;
  /** The bytes of one artifact file, for previews (text, images). */
  getArtifact(request: { runId: string; path: string }): Promise<Blob>;
  listPools(): Promise<GpuPoolSummary[]>;
  listProfiles(): Promise<TrainingProfile[]>;
  /** Every version of a profile, newest first. */
  listProfileVersions(name: string): Promise<TrainingProfile[]>;
  /**
   * Publishes a profile's next version from its whole definition (its owner group
   * only); 409 when `baseVersion` is no longer the current one.
   */
  publishProfileVersion(
    name: string,
    input: TrainingProfileInput,
  ): Promise<TrainingProfile>;
  /** Every team's GPU quotas as admission applies them, with where they were set. */
  listTeamQuotas(): Promise<TeamQuotas[]>;
  /** Replaces a team's quotas (platform groups only: 403 otherwise). */
  setTeamQuotas(
    team: string,
    quotas: TeamQuotas['quotas'],
  ): Promise<TeamQuotas>;
  listJobs(request: {
    owner?: string;
    status?: string;
  }): Promise<TrainingJob[]>;
  getJob(jobId: string): Promise<TrainingJobDetails>;
  /** Rejects with a ResponseError (400) naming the invalid field, or 503 when the queue is down. */
  submitJob(spec: JobSpec): Promise<TrainingJob>;
  cancelJob(jobId: string): Promise<TrainingJob>;
  getJobLogs(jobId: string, tailLines?: number): Promise<string>;
  /** The cost page of one month (`YYYY-MM`, UTC; the current month without one), of all teams or one. */
  getCostSummary(request: {
    month?: string;
    team?: string;
  }): Promise<CostSummary>;
  getCostRecommendations(request?: {
    team?: string;
  }): Promise<CostRecommendation[]>;
  getGpuPrices(): Promise<GpuPrice[]>;
  /** A model version's cost: its lineage's training runs plus its serving (403 without cost read access). */
  getModelVersionCost(request: {
    name: string;
    version: string;
  }): Promise<ModelVersionCost>;
  /** An MLflow 3 logged model's cost: the GPU time of the runs in its lineage. */
  getLoggedModelCost(modelId: string): Promise<LoggedModelCost>;
  /** Sets a team's monthly budget over its config one (platform groups only: 403 otherwise). */
  setBudget(team: string, request: SetBudgetRequest): Promise<BudgetSetting>;
  /** The month's usage rows as CSV, fetched with the user's credentials. */
  exportCostCsv(request: { month: string; team?: string }): Promise<Blob>;
  /** Rejects with a ResponseError (400) whose message says what is wrong with the file. */
  importBill(request: CostImportRequest): Promise<CostImportResult>;
  /** Registered models; `filter` is MLflow's grammar on name and tags, e.g. `name LIKE '%churn%'` (400 when it does not parse). */
  listModels(request: {
    filter?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<RegisteredModel>>;
  getModel(name: string): Promise<RegisteredModelDetails>;
  createModel(request: CreateModelRequest): Promise<RegisteredModel>;
  getModelVersion(request: {
    name: string;
    version: string;
  }): Promise<ModelVersionDetails>;
  /** Registers a run's artifact as the model's next version, registering the model too when it is new. */
  registerModelVersion(
    request: RegisterModelVersionRequest & { name: string },
  ): Promise<ModelVersion>;
  getModelAudit(name: string): Promise<RegistryAuditEvent[]>;
  /** Approved at once for an unprotected alias; PENDING for a protected one. */
  requestPromotion(
    request: PromotionRequestInput & { name: string },
  ): Promise<PromotionRequest>;
  /** `mine`: only the requests the caller may decide. */
  listPromotions(request?: {
    status?: PromotionRequestStatus;
    mine?: boolean;
  }): Promise<PromotionRequest[]>;
  approvePromotion(request: {
    id: string;
    comment?: string;
  }): Promise<PromotionRequest>;
  rejectPromotion(request: {
    id: string;
    comment: string;
  }): Promise<PromotionRequest>;
  cancelPromotion(id: string): Promise<PromotionRequest>;
  /** The graph around one node; rejects with a 404 ResponseError when nothing is known of it. */
  getLineage(
    request: LineageNodeRef & { direction?: LineageDirection; depth?: number },
  ): Promise<LineageGraph>;
  listDatasets(request?: { q?: string }): Promise<CatalogDataset[]>;
  getDataset(id: string): Promise<CatalogDataset>;
  createDataset(request: CreateDatasetRequest): Promise<CatalogDataset>;
  /** Feature views matching `q` (view, feature and entity names, tags) and the filters. */
  listFeatureViews(request?: {
    q?: string;
    project?: string;
    owner?: string;
    stale?: boolean;
  }): Promise<FeatureView[]>;
  getFeatureView(project: string, name: string): Promise<FeatureViewDetails>;
  listFeatureEntities(): Promise<FeatureEntity[]>;
  listFeatureSources(): Promise<FeatureDataSource[]>;
  listFeatureServices(): Promise<FeatureService[]>;
  /**
   * Imports a `feast registry-dump` JSON document; rejects with a ResponseError
   * (400) whose message says what is wrong with it.
   */
  importFeatureRegistry(registry: object): Promise<FeatureImportResult>;
  /** Past imports, newest first. */
  listFeatureImports(): Promise<FeatureImportResult[]>;
  /** The serving targets endpoints may run on, by id. */
  listServingTargets(): Promise<ComputeTargetSummary[]>;
  /** The endpoints the caller may read, of one owner group or one model. */
  listEndpoints(request?: {
    owner?: string;
    model?: string;
  }): Promise<Endpoint[]>;
  getEndpoint(name: string): Promise<EndpointDetails>;
  /** Rejects with a ResponseError: 404 unknown model/version/alias, 403, 409 name taken. */
  createEndpoint(request: CreateEndpointRequest): Promise<EndpointDetails>;
  deleteEndpoint(name: string): Promise<void>;
  /** A version as a canary beside the stable one, or replacing it. */
  deployVersion(
    request: DeployRequest & { endpoint: string },
  ): Promise<EndpointDetails>;
  /** The split between the stable and the canary version; the weights add to 100. */
  setEndpointTraffic(request: {
    endpoint: string;
    weights: Array<{ version: string; weight: number }>;
  }): Promise<EndpointDetails>;
  promoteCanary(endpoint: string): Promise<EndpointDetails>;
  abortCanary(endpoint: string): Promise<EndpointDetails>;
  /** Serves the version the endpoint served before its current one again. */
  rollbackEndpoint(endpoint: string): Promise<EndpointDetails>;
  /** Requests, errors and latency per version and minute over the last `minutes` (60). */
  getEndpointMetrics(request: {
    endpoint: string;
    minutes?: number;
  }): Promise<EndpointMetrics>;
  startBatchRun(
    request: BatchRunRequest & { endpoint: string },
  ): Promise<{ jobId: string }>;
  /** A model's stages, the versions their aliases hold and the endpoints serving them. */
  getModelPipeline(name: string): Promise<ModelPipeline>;
  /** An endpoint's SLO status, drift per feature against its baseline, drift over time and alerts. */
  getEndpointMonitoring(endpoint: string): Promise<EndpointMonitoring>;
  /** Rejects with a ResponseError: 400 out-of-range settings, 403 not an owner. */
  setEndpointMonitoring(request: {
    endpoint: string;
    settings: MonitoringSettings;
  }): Promise<EndpointMonitoring>;
  /** Rejects with a ResponseError: 403 not an owner of the alert's endpoint. */
  closeMonitoringAlert(alertId: string): Promise<MonitoringAlert>;
  /** The endpoints the caller may read that breach an SLO or drift. */
  getMonitoringOverview(): Promise<MonitoredEndpoint[]>;
  /** A model's production-readiness scorecard. */
  getModelReadiness(name: string): Promise<ModelReadiness>;
  /** The scorecards of every model the caller may read, those in production first. */
  getReadinessOverview(): Promise<ModelReadiness[]>;
}

/** @public */
export const mlApiRef = createApiRef<MlApi>({ id: 'plugin.ml.service' });

/** Non-finite metric values travel as strings in JSON; turn them back into numbers. */
function reviveNumber(_key: string, value: unknown) {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}

/** A tracking answer read as text (`parseAs: 'text'`), its non-finite numbers revived. */
function revived<T>(answer: { data?: string }): T {
  return JSON.parse(answer.data!, reviveNumber) as T;
}

/** Query strings without empty values: an empty filter is no filter. */
function serializeQuery(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of [value].flat()) {
      if (item !== undefined && item !== '') search.append(key, String(item));
    }
  }
  return search.toString();
}

/**
 * Failures become ResponseErrors carrying the backend's error body; a degraded
 * backend's health report (503) is an answer, as it says which dependency is down.
 */
const throwOnFailure: Middleware = {
  async onResponse({ response, schemaPath }) {
    if (response.ok) return undefined;
    if (schemaPath === '/health' && response.status === 503) {
      // The plugin's own report names its dependencies; a backend still starting (or
      // restarting) answers 503 too, with an error body instead.
      const body = await response
        .clone()
        .json()
        .catch(() => undefined);
      if (body && typeof body === 'object' && 'database' in body) {
        return undefined;
      }
    }
    throw await ResponseError.fromResponse(response);
  },
};

/** openapi-fetch wants a base URL up front; the backend's is discovered per request. */
const UNDISCOVERED = 'http://ml.invalid';

/**
 * Sends openapi-fetch's Request through the app's fetch API as a URL and init, the way
 * the app's other calls reach it (and its middleware that adds the user's token).
 */
async function fetchAsTheApp(
  apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  request: Request,
) {
  const baseUrl = await apis.discoveryApi.getBaseUrl('ml');
  const body = await request.text();
  return apis.fetchApi.fetch(baseUrl + request.url.slice(UNDISCOVERED.length), {
    method: request.method,
    headers: Object.fromEntries(request.headers),
    body: body || undefined,
  });
}

/**
 * Talks to `/api/ml` through the app's fetch API, so requests carry the user's token,
 * with a client generated from the backend's OpenAPI schema: paths, parameters and
 * bodies are checked against it at compile time. An answer's `data` is always there:
 * failures have thrown in `throwOnFailure`.
 *
 * @public
 */
export class MlClient implements MlApi {
  private readonly client: Client<MlApiPaths>;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.client = createClient<MlApiPaths>({
      baseUrl: UNDISCOVERED,
      fetch: request => fetchAsTheApp(options, request),
      querySerializer: serializeQuery,
    });
    this.client.use(throwOnFailure);
  }

  async getHealth(): Promise<MlHealthResponse> {
    const { data, error } = await this.client.GET('/health');
    return (data ?? error) as MlHealthResponse;
  }

  async listComputeTargets(): Promise<ComputeTargetSummary[]> {
    const { data } = await this.client.GET('/compute-targets');
    return data!.items;
  }

  async listExperiments(
    request: ListExperimentsRequest,
  ): Promise<Page<ExperimentSummary>> {
    return revived(
      await this.client.GET('/experiments', {
        params: { query: request },
        parseAs: 'text',
      }),
    );
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return revived(
      await this.client.GET('/experiments/{experimentId}', {
        params: { path: { experimentId } },
        parseAs: 'text',
      }),
    );
  }

  async searchRuns(request: SearchRunsRequest): Promise<Page<Run>> {
    return revived(
      await this.client.POST('/runs/search', {
        body: request,
        parseAs: 'text',
      }),
    );
  }

  async getRun(runId: string): Promise<Run> {
    return revived(
      await this.client.GET('/runs/{runId}', {
        params: { path: { runId } },
        parseAs: 'text',
      }),
    );
  }

  async listRunLoggedModels(runId: string): Promise<LoggedModel[]> {
    // Revived: a metric of a logged model may be NaN or infinite.
    return revived<{ items: LoggedModel[] }>(
      await this.client.GET('/runs/{runId}/logged-models', {
        params: { path: { runId } },
        parseAs: 'text',
      }),
    ).items;
  }

  async getMetricHistory(request: {
    runId: string;
    key: string;
    maxPoints?: number;
  }): Promise<MetricHistory> {
    const { runId, ...query } = request;
    return revived(
      await this.client.GET('/runs/{runId}/metric-history', {
        params: { path: { runId }, query },
        parseAs: 'text',
      }),
    );
  }

  async listArtifacts(request: {
    runId: string;
    path?: string;
  }): Promise<ArtifactFile[]> {
    const { runId, path = '' } = request;
    const { data } = await this.client.GET('/runs/{runId}/artifacts', {
      params: { path: { runId }, query: { path } },
    });
    return data!.files;
  }

  async getArtifact(request: { runId: string; path: string }): Promise<Blob> {
    const { runId, path } = request;
    const { data } = await this.client.GET('/runs/{runId}/artifacts/content', {
      params: { path: { runId }, query: { path } },
      parseAs: 'blob',
    });
    return data!;
  }

  async listPools(): Promise<GpuPoolSummary[]> {
    const { data } = await this.client.GET('/training/pools');
    return data!.items;
  }

  async listProfiles(): Promise<TrainingProfile[]> {
    const { data } = await this.client.GET('/training/profiles');
    return data!.items;
  }

  async listProfileVersions(name: string): Promise<TrainingProfile[]> {
    const { data } = await this.client.GET(
      '/training/profiles/{profile}/versions',
      { params: { path: { profile: name } } },
    );
    return data!.items;
  }

  async listTeamQuotas(): Promise<TeamQuotas[]> {
    const { data } = await this.client.GET('/training/quotas');
    return data!.items;
  }

  async setTeamQuotas(
    team: string,
    quotas: TeamQuotas['quotas'],
  ): Promise<TeamQuotas> {
    const { data } = await this.client.PUT('/training/quotas/{team}', {
      params: { path: { team } },
      body: { quotas },
    });
    return data!;
  }

  async publishProfileVersion(
    name: string,
    input: TrainingProfileInput,
  ): Promise<TrainingProfile> {
    const { data } = await this.client.PUT('/training/profiles/{profile}', {
      params: { path: { profile: name } },
      body: input,
    });
    return data!;
  }

  async listJobs(request: {
    owner?: string;
    status?: string;
  }): Promise<TrainingJob[]> {
    const { data } = await this.client.GET('/training/jobs', {
      params: { query: request },
    });
    return data!.items;
  }

  async getJob(jobId: string): Promise<TrainingJobDetails> {
    const { data } = await this.client.GET('/training/jobs/{jobId}', {
      params: { path: { jobId } },
    });
    return data!;
  }

  async submitJob(spec: JobSpec): Promise<TrainingJob> {
    const { data } = await this.client.POST('/training/jobs', {
      body: spec,
    });
    return data!;
  }

  async cancelJob(jobId: string): Promise<TrainingJob> {
    const { data } = await this.client.POST('/training/jobs/{jobId}/cancel', {
      params: { path: { jobId } },
    });
    return data!;
  }

  async getJobLogs(jobId: string, tailLines = 500): Promise<string> {
    const { data } = await this.client.GET('/training/jobs/{jobId}/logs', {
      params: { path: { jobId }, query: { tailLines } },
    });
    return data!.text;
  }

  async getCostSummary(request: {
    month?: string;
    team?: string;
  }): Promise<CostSummary> {
    const { data } = await this.client.GET('/cost/summary', {
      params: { query: request },
    });
    return data!;
  }

  async getCostRecommendations(
    request: { team?: string } = {},
  ): Promise<CostRecommendation[]> {
    const { data } = await this.client.GET('/cost/recommendations', {
      params: { query: request },
    });
    return data!;
  }

  async getGpuPrices(): Promise<GpuPrice[]> {
    const { data } = await this.client.GET('/cost/prices');
    return data!;
  }

  async getModelVersionCost(request: {
    name: string;
    version: string;
  }): Promise<ModelVersionCost> {
    const { data } = await this.client.GET(
      '/cost/model-versions/{name}/{version}',
      { params: { path: request } },
    );
    return data!;
  }

  async setBudget(
    team: string,
    request: SetBudgetRequest,
  ): Promise<BudgetSetting> {
    const { data } = await this.client.PUT('/cost/budgets/{team}', {
      params: { path: { team } },
      body: request,
    });
    return data!;
  }

  async getLoggedModelCost(modelId: string): Promise<LoggedModelCost> {
    const { data } = await this.client.GET('/cost/logged-models/{modelId}', {
      params: { path: { modelId } },
    });
    return data!;
  }

  async exportCostCsv(request: {
    month: string;
    team?: string;
  }): Promise<Blob> {
    const { data } = await this.client.GET('/cost/export.csv', {
      params: { query: request },
      parseAs: 'blob',
    });
    return data!;
  }

  async importBill(request: CostImportRequest): Promise<CostImportResult> {
    const { data } = await this.client.POST('/cost/imports', {
      body: request,
    });
    return data!;
  }

  async listModels(request: {
    filter?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<RegisteredModel>> {
    const { data } = await this.client.GET('/models', {
      params: { query: request },
    });
    return data!;
  }

  async getModel(name: string): Promise<RegisteredModelDetails> {
    const { data } = await this.client.GET('/models/{name}', {
      params: { path: { name } },
    });
    return data!;
  }

  async createModel(request: CreateModelRequest): Promise<RegisteredModel> {
    const { data } = await this.client.POST('/models', {
      body: request,
    });
    return data!;
  }

  async getModelVersion(request: {
    name: string;
    version: string;
  }): Promise<ModelVersionDetails> {
    const { data } = await this.client.GET(
      '/models/{name}/versions/{version}',
      {
        params: { path: request },
      },
    );
    return data!;
  }

  async registerModelVersion(
    request: RegisterModelVersionRequest & { name: string },
  ): Promise<ModelVersion> {
    const { name, ...body } = request;
    const { data } = await this.client.POST('/models/{name}/versions', {
      params: { path: { name } },
      body,
    });
    return data!;
  }

  async getModelAudit(name: string): Promise<RegistryAuditEvent[]> {
    const { data } = await this.client.GET('/models/{name}/audit', {
      params: { path: { name } },
    });
    return data!;
  }

  async requestPromotion(
    request: PromotionRequestInput & { name: string },
  ): Promise<PromotionRequest> {
    const { name, ...body } = request;
    const { data } = await this.client.POST('/models/{name}/promotions', {
      params: { path: { name } },
      body,
    });
    return data!;
  }

  async listPromotions(
    request: { status?: PromotionRequestStatus; mine?: boolean } = {},
  ): Promise<PromotionRequest[]> {
    const { status, mine } = request;
    const { data } = await this.client.GET('/promotions', {
      params: { query: { status, mine: mine ? 'true' : undefined } },
    });
    return data!;
  }

  async approvePromotion(request: {
    id: string;
    comment?: string;
  }): Promise<PromotionRequest> {
    const { id, comment } = request;
    const { data } = await this.client.POST('/promotions/{id}/approve', {
      params: { path: { id } },
      body: { comment },
    });
    return data!;
  }

  async rejectPromotion(request: {
    id: string;
    comment: string;
  }): Promise<PromotionRequest> {
    const { id, comment } = request;
    const { data } = await this.client.POST('/promotions/{id}/reject', {
      params: { path: { id } },
      body: { comment },
    });
    return data!;
  }

  async cancelPromotion(id: string): Promise<PromotionRequest> {
    const { data } = await this.client.POST('/promotions/{id}/cancel', {
      params: { path: { id } },
    });
    return data!;
  }

  async getLineage(
    request: LineageNodeRef & { direction?: LineageDirection; depth?: number },
  ): Promise<LineageGraph> {
    const { data } = await this.client.GET('/lineage', {
      params: { query: request },
    });
    return data!;
  }

  async listDatasets(request: { q?: string } = {}): Promise<CatalogDataset[]> {
    const { data } = await this.client.GET('/datasets', {
      params: { query: request },
    });
    return data!;
  }

  async getDataset(id: string): Promise<CatalogDataset> {
    const { data } = await this.client.GET('/datasets/{id}', {
      params: { path: { id } },
    });
    return data!;
  }

  async createDataset(request: CreateDatasetRequest): Promise<CatalogDataset> {
    const { data } = await this.client.POST('/datasets', {
      body: request,
    });
    return data!;
  }

  async listFeatureViews(
    request: {
      q?: string;
      project?: string;
      owner?: string;
      stale?: boolean;
    } = {},
  ): Promise<FeatureView[]> {
    const { stale, ...filters } = request;
    const { data } = await this.client.GET('/features/views', {
      // Only stale views, or all: the page has no "fresh only" filter.
      params: { query: { ...filters, stale: stale ? 'true' : undefined } },
    });
    return data!;
  }

  async getFeatureView(
    project: string,
    name: string,
  ): Promise<FeatureViewDetails> {
    const { data } = await this.client.GET('/features/views/{project}/{name}', {
      params: { path: { project, name } },
    });
    return data!;
  }

  async listFeatureEntities(): Promise<FeatureEntity[]> {
    const { data } = await this.client.GET('/features/entities');
    return data!;
  }

  async listFeatureSources(): Promise<FeatureDataSource[]> {
    const { data } = await this.client.GET('/features/sources');
    return data!;
  }

  async listFeatureServices(): Promise<FeatureService[]> {
    const { data } = await this.client.GET('/features/services');
    return data!;
  }

  async importFeatureRegistry(registry: object): Promise<FeatureImportResult> {
    const { data } = await this.client.POST('/features/imports', {
      body: registry,
    });
    return data!;
  }

  async listFeatureImports(): Promise<FeatureImportResult[]> {
    const { data } = await this.client.GET('/features/imports');
    return data!;
  }

  async listServingTargets(): Promise<ComputeTargetSummary[]> {
    const { data } = await this.client.GET('/serving-targets');
    return data!.items;
  }

  async listEndpoints(
    request: { owner?: string; model?: string } = {},
  ): Promise<Endpoint[]> {
    const { data } = await this.client.GET('/deployments/endpoints', {
      params: { query: request },
    });
    return data!.items;
  }

  async getEndpoint(name: string): Promise<EndpointDetails> {
    const { data } = await this.client.GET(
      '/deployments/endpoints/{endpoint}',
      { params: { path: { endpoint: name } } },
    );
    return data!;
  }

  async createEndpoint(
    request: CreateEndpointRequest,
  ): Promise<EndpointDetails> {
    const { data } = await this.client.POST('/deployments/endpoints', {
      body: request,
    });
    return data!;
  }

  async deleteEndpoint(name: string): Promise<void> {
    await this.client.DELETE('/deployments/endpoints/{endpoint}', {
      params: { path: { endpoint: name } },
    });
  }

  async deployVersion(
    request: DeployRequest & { endpoint: string },
  ): Promise<EndpointDetails> {
    const { endpoint, ...body } = request;
    const { data } = await this.client.POST(
      '/deployments/endpoints/{endpoint}/deploy',
      { params: { path: { endpoint } }, body },
    );
    return data!;
  }

  async setEndpointTraffic(request: {
    endpoint: string;
    weights: Array<{ version: string; weight: number }>;
  }): Promise<EndpointDetails> {
    const { endpoint, weights } = request;
    const { data } = await this.client.POST(
      '/deployments/endpoints/{endpoint}/traffic',
      { params: { path: { endpoint } }, body: { weights } },
    );
    return data!;
  }

  async promoteCanary(endpoint: string): Promise<EndpointDetails> {
    const { data } = await this.client.POST(
      '/deployments/endpoints/{endpoint}/promote',
      { params: { path: { endpoint } } },
    );
    return data!;
  }

  async abortCanary(endpoint: string): Promise<EndpointDetails> {
    const { data } = await this.client.POST(
      '/deployments/endpoints/{endpoint}/abort',
      { params: { path: { endpoint } } },
    );
    return data!;
  }

  async rollbackEndpoint(endpoint: string): Promise<EndpointDetails> {
    const { data } = await this.client.POST(
      '/deployments/endpoints/{endpoint}/rollback',
      { params: { path: { endpoint } } },
    );
    return data!;
  }

  async getEndpointMetrics(request: {
    endpoint: string;
    minutes?: number;
  }): Promise<EndpointMetrics> {
    const { endpoint, minutes } = request;
    const { data } = await this.client.GET(
      '/deployments/endpoints/{endpoint}/metrics',
      { params: { path: { endpoint }, query: { minutes } } },
    );
    return data!;
  }

  async startBatchRun(
    request: BatchRunRequest & { endpoint: string },
  ): Promise<{ jobId: string }> {
    const { endpoint, ...body } = request;
    const { data } = await this.client.POST(
      '/deployments/endpoints/{endpoint}/batch-runs',
      { params: { path: { endpoint } }, body },
    );
    return data!;
  }

  async getModelPipeline(name: string): Promise<ModelPipeline> {
    const { data } = await this.client.GET('/deployments/pipelines/{name}', {
      params: { path: { name } },
    });
    return data!;
  }

  async getEndpointMonitoring(endpoint: string): Promise<EndpointMonitoring> {
    const { data } = await this.client.GET('/monitoring/endpoints/{endpoint}', {
      params: { path: { endpoint } },
    });
    return data!;
  }

  async setEndpointMonitoring(request: {
    endpoint: string;
    settings: MonitoringSettings;
  }): Promise<EndpointMonitoring> {
    const { endpoint, settings } = request;
    const { data } = await this.client.PUT(
      '/monitoring/endpoints/{endpoint}/settings',
      { params: { path: { endpoint } }, body: settings },
    );
    return data!;
  }

  async closeMonitoringAlert(alertId: string): Promise<MonitoringAlert> {
    const { data } = await this.client.POST(
      '/monitoring/alerts/{alertId}/close',
      { params: { path: { alertId } } },
    );
    return data!;
  }

  async getMonitoringOverview(): Promise<MonitoredEndpoint[]> {
    const { data } = await this.client.GET('/monitoring/overview');
    return data!.endpoints;
  }

  async getModelReadiness(name: string): Promise<ModelReadiness> {
    const { data } = await this.client.GET('/readiness/models/{name}', {
      params: { path: { name } },
    });
    return data!;
  }

  async getReadinessOverview(): Promise<ModelReadiness[]> {
    const { data } = await this.client.GET('/readiness');
    return data!.models;
  }
}
