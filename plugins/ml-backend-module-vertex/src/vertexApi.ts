import { JobServiceClient } from '@google-cloud/aiplatform';
import { VertexApiEndpoint } from './config';

type ClientOptions = NonNullable<
  ConstructorParameters<typeof JobServiceClient>[0]
>;

/** gRPC status codes, which the client's errors carry as `code`. */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
/** @internal */
export const NOT_FOUND = 5;
/** @internal */
export const ALREADY_EXISTS = 6;
/** @internal */
export const FAILED_PRECONDITION = 9;

/**
 * Options of every Vertex AI client of this module (job, endpoint and model services):
 * the REST transport (JSON over HTTP/1.1, the transport the tests exercise against a
 * fake, so production runs the code path they check) at `apiEndpoint`; credentials come
 * from Application Default Credentials.
 *
 * @internal
 */
export function vertexClientOptions(
  apiEndpoint: VertexApiEndpoint,
): ClientOptions {
  const { host, port, protocol } = apiEndpoint;
  // `protocol` is read by the REST transport but missing from the options' type.
  const options: ClientOptions & { protocol: string } = {
    apiEndpoint: host,
    port,
    protocol,
    fallback: true,
  };
  if (protocol === 'http') {
    // Plain HTTP means a local fake or emulator. Node's own fetch serves it instead of
    // the `node-fetch` that gaxios imports dynamically, which sandboxes without dynamic
    // import (jest) cannot load.
    options.clientOptions = {
      transporterOptions: { fetchImplementation: fetch },
    };
  }
  return options;
}

/** The gRPC status code of a client error. @internal */
export function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * An API error with what failed and Vertex AI's status in its message; the original as
 * `cause`.
 *
 * @internal
 */
export function apiError(
  operation: string,
  subject: string,
  error: unknown,
): Error {
  const code = errorCode(error);
  const status =
    code === undefined ? 'error' : STATUS_NAMES[code] ?? `code ${code}`;
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(
    new Error(
      `Vertex AI ${operation} for ${subject} failed: ${status}: ${message}`,
      {
        cause: error,
      },
    ),
    { code },
  );
}

/** Runs one API call; a failure becomes {@link apiError}. @internal */
export async function callVertex<T>(
  operation: string,
  subject: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw apiError(operation, subject, error);
  }
}
