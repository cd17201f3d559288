import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ArtifactFile,
  CostImportResult,
  CostRecommendation,
  CostSummary,
  Experiment,
  GpuPrice,
  GpuPoolSummary,
  JobSpec,
  TrainingJob,
  TrainingJobDetails,
  TrainingProfile,
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
  Tag,
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureView,
  FeatureViewDetails,
} from '@ml-portal/plugin-ml-common';

/** @public */
export type ComputeTargetSummary = { id: string };

/** The bill and allocation formats `importBill` reads. @public */
export type CostImportFormat = 'opencost' | 'aws-cur';

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
  /** The month's usage rows as CSV, fetched with the user's credentials. */
  exportCostCsv(request: { month: string; team?: string }): Promise<Blob>;
  /** Rejects with a ResponseError (400) whose message says what is wrong with the file. */
  importBill(request: {
    format: CostImportFormat;
    content: string;
  }): Promise<CostImportResult>;
  /** Registered models; `filter` is MLflow's grammar on name and tags, e.g. `name LIKE '%churn%'` (400 when it does not parse). */
  listModels(request: {
    filter?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<RegisteredModel>>;
  getModel(name: string): Promise<RegisteredModelDetails>;
  createModel(request: {
    name: string;
    description?: string;
    tags?: Tag[];
  }): Promise<RegisteredModel>;
  getModelVersion(request: {
    name: string;
    version: string;
  }): Promise<ModelVersionDetails>;
  /** Registers a run's artifact as the model's next version, registering the model too when it is new. */
  registerModelVersion(request: {
    name: string;
    runId: string;
    artifactPath?: string;
    description?: string;
  }): Promise<ModelVersion>;
  getModelAudit(name: string): Promise<RegistryAuditEvent[]>;
  /** Approved at once for an unprotected alias; PENDING for a protected one. */
  requestPromotion(request: {
    name: string;
    version: string;
    alias: string;
    reason?: string;
  }): Promise<PromotionRequest>;
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
  createDataset(request: {
    name: string;
    source: string;
    sourceType?: string;
    digest?: string;
    schema?: string;
    owner?: string;
    residency?: string;
  }): Promise<CatalogDataset>;
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

/** A cost endpoint's path with its month and team filters; empty ones are left out. */
function costPath(path: string, filters: { month?: string; team?: string }) {
  const query = new URLSearchParams();
  if (filters.month) query.set('month', filters.month);
  if (filters.team) query.set('team', filters.team);
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/** A path with a query string of the given values; undefined and empty ones are left out. */
function withQuery(
  path: string,
  values: Record<string, string | number | boolean | undefined>,
) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/** A registered model's path; its name may hold slashes and spaces, so it travels as one encoded segment. */
function modelPath(name: string) {
  return `/models/${encodeURIComponent(name)}`;
}

/**
 * Talks to `/api/ml` through the app's fetch API, so requests carry the user's token.
 *
 * @public
 */
export class MlClient implements MlApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getHealth(): Promise<MlHealthResponse> {
    // 503 still carries a report worth showing: which dependency is down.
    return this.request<MlHealthResponse>('/health', { acceptStatus: [503] });
  }

  async listComputeTargets(): Promise<ComputeTargetSummary[]> {
    const body = await this.request<{ items: ComputeTargetSummary[] }>(
      '/compute-targets',
    );
    return body.items;
  }

  async listExperiments(
    request: ListExperimentsRequest,
  ): Promise<Page<ExperimentSummary>> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== '') query.append(key, String(item));
      }
    }
    return this.request(`/experiments?${query}`);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.request(`/experiments/${encodeURIComponent(experimentId)}`);
  }

  async searchRuns(request: SearchRunsRequest): Promise<Page<Run>> {
    return this.request('/runs/search', { method: 'POST', body: request });
  }

  async getRun(runId: string): Promise<Run> {
    return this.request(`/runs/${encodeURIComponent(runId)}`);
  }

  async getMetricHistory(request: {
    runId: string;
    key: string;
    maxPoints?: number;
  }): Promise<MetricHistory> {
    const query = new URLSearchParams({ key: request.key });
    if (request.maxPoints) query.set('maxPoints', String(request.maxPoints));
    return this.request(
      `/runs/${encodeURIComponent(request.runId)}/metric-history?${query}`,
    );
  }

  async listArtifacts(request: {
    runId: string;
    path?: string;
  }): Promise<ArtifactFile[]> {
    const query = new URLSearchParams({ path: request.path ?? '' });
    const body = await this.request<{ files: ArtifactFile[] }>(
      `/runs/${encodeURIComponent(request.runId)}/artifacts?${query}`,
    );
    return body.files;
  }

  async getArtifact(request: { runId: string; path: string }): Promise<Blob> {
    const query = new URLSearchParams({ path: request.path });
    const response = await this.send(
      `/runs/${encodeURIComponent(request.runId)}/artifacts/content?${query}`,
    );
    return response.blob();
  }

  async listPools(): Promise<GpuPoolSummary[]> {
    return (await this.request<{ items: GpuPoolSummary[] }>('/training/pools'))
      .items;
  }

  async listProfiles(): Promise<TrainingProfile[]> {
    return (
      await this.request<{ items: TrainingProfile[] }>('/training/profiles')
    ).items;
  }

  async listJobs(request: {
    owner?: string;
    status?: string;
  }): Promise<TrainingJob[]> {
    const query = new URLSearchParams();
    if (request.owner) query.set('owner', request.owner);
    if (request.status) query.set('status', request.status);
    return (
      await this.request<{ items: TrainingJob[] }>(`/training/jobs?${query}`)
    ).items;
  }

  async getJob(jobId: string): Promise<TrainingJobDetails> {
    return this.request(`/training/jobs/${encodeURIComponent(jobId)}`);
  }

  async submitJob(spec: JobSpec): Promise<TrainingJob> {
    return this.request('/training/jobs', { method: 'POST', body: spec });
  }

  async cancelJob(jobId: string): Promise<TrainingJob> {
    return this.request(`/training/jobs/${encodeURIComponent(jobId)}/cancel`, {
      method: 'POST',
      body: {},
    });
  }

  async getJobLogs(jobId: string, tailLines = 500): Promise<string> {
    const body = await this.request<{ text: string }>(
      `/training/jobs/${encodeURIComponent(jobId)}/logs?tailLines=${tailLines}`,
    );
    return body.text;
  }

  async getCostSummary(request: {
    month?: string;
    team?: string;
  }): Promise<CostSummary> {
    return this.request(costPath('/cost/summary', request));
  }

  async getCostRecommendations(
    request: { team?: string } = {},
  ): Promise<CostRecommendation[]> {
    return this.request(costPath('/cost/recommendations', request));
  }

  async getGpuPrices(): Promise<GpuPrice[]> {
    return this.request('/cost/prices');
  }

  async exportCostCsv(request: {
    month: string;
    team?: string;
  }): Promise<Blob> {
    const response = await this.send(costPath('/cost/export.csv', request));
    return response.blob();
  }

  async importBill(request: {
    format: CostImportFormat;
    content: string;
  }): Promise<CostImportResult> {
    return this.request('/cost/imports', { method: 'POST', body: request });
  }

  async listModels(request: {
    filter?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<Page<RegisteredModel>> {
    return this.request(withQuery('/models', request));
  }

  async getModel(name: string): Promise<RegisteredModelDetails> {
    return this.request(modelPath(name));
  }

  async createModel(request: {
    name: string;
    description?: string;
    tags?: Tag[];
  }): Promise<RegisteredModel> {
    return this.request('/models', { method: 'POST', body: request });
  }

  async getModelVersion(request: {
    name: string;
    version: string;
  }): Promise<ModelVersionDetails> {
    return this.request(
      `${modelPath(request.name)}/versions/${encodeURIComponent(
        request.version,
      )}`,
    );
  }

  async registerModelVersion(request: {
    name: string;
    runId: string;
    artifactPath?: string;
    description?: string;
  }): Promise<ModelVersion> {
    const { name, ...body } = request;
    return this.request(`${modelPath(name)}/versions`, {
      method: 'POST',
      body,
    });
  }

  async getModelAudit(name: string): Promise<RegistryAuditEvent[]> {
    return this.request(`${modelPath(name)}/audit`);
  }

  async requestPromotion(request: {
    name: string;
    version: string;
    alias: string;
    reason?: string;
  }): Promise<PromotionRequest> {
    const { name, ...body } = request;
    return this.request(`${modelPath(name)}/promotions`, {
      method: 'POST',
      body,
    });
  }

  async listPromotions(
    request: { status?: PromotionRequestStatus; mine?: boolean } = {},
  ): Promise<PromotionRequest[]> {
    return this.request(withQuery('/promotions', request));
  }

  async approvePromotion(request: {
    id: string;
    comment?: string;
  }): Promise<PromotionRequest> {
    return this.decidePromotion(request.id, 'approve', {
      comment: request.comment,
    });
  }

  async rejectPromotion(request: {
    id: string;
    comment: string;
  }): Promise<PromotionRequest> {
    return this.decidePromotion(request.id, 'reject', {
      comment: request.comment,
    });
  }

  async cancelPromotion(id: string): Promise<PromotionRequest> {
    return this.decidePromotion(id, 'cancel', {});
  }

  async getLineage(
    request: LineageNodeRef & { direction?: LineageDirection; depth?: number },
  ): Promise<LineageGraph> {
    return this.request(withQuery('/lineage', request));
  }

  async listDatasets(request: { q?: string } = {}): Promise<CatalogDataset[]> {
    return this.request(withQuery('/datasets', request));
  }

  async getDataset(id: string): Promise<CatalogDataset> {
    return this.request(`/datasets/${encodeURIComponent(id)}`);
  }

  async createDataset(request: {
    name: string;
    source: string;
    sourceType?: string;
    digest?: string;
    schema?: string;
    owner?: string;
    residency?: string;
  }): Promise<CatalogDataset> {
    return this.request('/datasets', { method: 'POST', body: request });
  }

  private async decidePromotion(
    id: string,
    decision: 'approve' | 'reject' | 'cancel',
    body: { comment?: string },
  ): Promise<PromotionRequest> {
    return this.request(`/promotions/${encodeURIComponent(id)}/${decision}`, {
      method: 'POST',
      body,
    });
  }

  async listFeatureViews(
    request: {
      q?: string;
      project?: string;
      owner?: string;
      stale?: boolean;
    } = {},
  ): Promise<FeatureView[]> {
    const query = new URLSearchParams();
    if (request.q) query.set('q', request.q);
    if (request.project) query.set('project', request.project);
    if (request.owner) query.set('owner', request.owner);
    if (request.stale) query.set('stale', 'true');
    const search = query.toString();
    return this.request(`/features/views${search ? `?${search}` : ''}`);
  }

  async getFeatureView(
    project: string,
    name: string,
  ): Promise<FeatureViewDetails> {
    return this.request(
      `/features/views/${encodeURIComponent(project)}/${encodeURIComponent(
        name,
      )}`,
    );
  }

  async listFeatureEntities(): Promise<FeatureEntity[]> {
    return this.request('/features/entities');
  }

  async listFeatureSources(): Promise<FeatureDataSource[]> {
    return this.request('/features/sources');
  }

  async listFeatureServices(): Promise<FeatureService[]> {
    return this.request('/features/services');
  }

  async importFeatureRegistry(registry: object): Promise<FeatureImportResult> {
    return this.request('/features/imports', {
      method: 'POST',
      body: registry,
    });
  }

  async listFeatureImports(): Promise<FeatureImportResult[]> {
    return this.request('/features/imports');
  }

  private async send(
    path: string,
    options: { method?: string; body?: unknown; acceptStatus?: number[] } = {},
  ): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl('ml');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: options.method ?? 'GET',
      ...(options.body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.body),
      }),
    });
    if (!response.ok && !options.acceptStatus?.includes(response.status)) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }

  private async request<T>(
    path: string,
    options: { method?: string; body?: unknown; acceptStatus?: number[] } = {},
  ): Promise<T> {
    const response = await this.send(path, options);
    return JSON.parse(await response.text(), reviveNumber) as T;
  }
}
