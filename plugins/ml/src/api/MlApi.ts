import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ArtifactFile,
  Experiment,
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
