import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { CustomErrorBase } from '@backstage/errors';

/**
 * The ml API answered an error: its status and the API's own message, so a template's
 * log says what the portal said (`Pool 'a100' does not exist`), not "Request failed".
 *
 * @public
 */
export class MlApiError extends CustomErrorBase {
  name = 'MlApiError' as const;
  constructor(
    message: string,
    readonly statusCode: number,
    /** MLflow's `error_code` where the MLflow API answered, e.g. `RESOURCE_ALREADY_EXISTS`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Whether `error` is the ml API's answer with `status`. @public */
export const isMlApiStatus = (error: unknown, status: number) =>
  error instanceof MlApiError && error.statusCode === status;

/** The portal API (`/api/ml`) as one caller. @public */
export type MlApi = {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
};

/** At most this much of an error body is quoted, so a proxy's HTML page stays out of logs. */
const MAX_QUOTED_BODY = 300;

/**
 * Calls the ml backend plugin over HTTP on behalf of whoever started the template: the
 * token is a plugin request token for the initiator's credentials, so the ml plugin
 * checks that user's groups and permissions as it does for the portal's pages.
 *
 * @public
 */
export class MlPortalClient {
  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {}

  /** The API as `credentials` (a task's initiator). */
  as(credentials: BackstageCredentials): MlApi {
    const call = <T>(method: string, path: string, body?: unknown) =>
      this.request<T>(credentials, method, path, body);
    return {
      get: path => call('GET', path),
      post: (path, body) => call('POST', path, body),
      put: (path, body) => call('PUT', path, body),
    };
  }

  private async request<T>(
    credentials: BackstageCredentials,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const { discovery, auth } = this.deps;
    const baseUrl = await discovery.getBaseUrl('ml');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'ml',
    });
    const url = `${baseUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: Error) => {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, DNS) is its cause.
      const reason = (error.cause as Error | undefined)?.message;
      throw new Error(
        `Cannot reach the ml API at ${url}: ${reason ?? error.message}`,
      );
    });
    const text = await response.text();
    if (!response.ok) {
      throw apiError(method, path, response.status, text);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** Backstage's error body (`error.message`) or MLflow's (`message`, `error_code`). */
function apiError(method: string, path: string, status: number, text: string) {
  let message: string | undefined;
  let code: string | undefined;
  try {
    const parsed = JSON.parse(text);
    message = parsed?.error?.message ?? parsed?.message;
    code = parsed?.error_code;
  } catch {
    // Not JSON: quoted below.
  }
  const said = message ?? (text.slice(0, MAX_QUOTED_BODY) || 'no message');
  return new MlApiError(
    `The ml API refused ${method} ${path.split('?')[0]} (${status}): ${said}`,
    status,
    code,
  );
}
