import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { MlHealthResponse } from '@ml-portal/plugin-ml-common';

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
}

/** @public */
export const mlApiRef = createApiRef<MlApi>({ id: 'plugin.ml.service' });

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

  private async request<T>(
    path: string,
    options: { acceptStatus?: number[] } = {},
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('ml');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok && !options.acceptStatus?.includes(response.status)) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
