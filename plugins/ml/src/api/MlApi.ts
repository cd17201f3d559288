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
  // [registry + lineage api: interface]
  // [features api: interface]
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

  // [registry + lineage api: methods]

  // [features api: methods]

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
