import {
  ConflictError,
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';

/**
 * The HTTP status and the `Status` object of a failed API call, where it has them.
 *
 * @internal
 */
export function apiStatus(error: unknown): {
  code?: number;
  reason?: string;
  message?: string;
} {
  const { code, body } = (error ?? {}) as { code?: unknown; body?: unknown };
  if (typeof code !== 'number') {
    return {};
  }
  let status: { reason?: string; message?: string } = {};
  try {
    status = typeof body === 'string' ? JSON.parse(body) : (body as {}) ?? {};
  } catch {
    // Not a Status object: keep the code.
  }
  return { code, reason: status.reason, message: status.message };
}

/**
 * A failed API call as a Backstage error, with the server's reason and message.
 *
 * @internal
 */
export function toKubernetesError(error: unknown, action: string): Error {
  const { code, reason, message } = apiStatus(error);
  if (code === undefined) {
    return new ServiceUnavailableError(
      `Kubernetes API unreachable, could not ${action}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      error,
    );
  }
  const text = `Kubernetes could not ${action}: ${code}${
    reason ? ` ${reason}` : ''
  }${message ? `: ${message}` : ''}`;
  if (code === 400 || code === 422) {
    return new InputError(text, error);
  }
  if (code === 409) {
    // A write lost a race (resourceVersion) or a name is taken: retrying may succeed.
    return new ConflictError(text, error);
  }
  if (code === 401 || code === 403) {
    return new NotAllowedError(text, error);
  }
  if (code === 429 || code >= 500) {
    return new ServiceUnavailableError(text, error);
  }
  return new Error(text, { cause: error });
}
