import { ResponseError } from '@backstage/errors';

/**
 * What the server said when it refused a request (its error body's message), or
 * the error's own message for anything else.
 *
 * @internal
 */
export function serverMessage(error: Error): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message ?? error.message;
  }
  return error.message;
}

/** An error to show in a dialog, worded as the server worded it. @internal */
export function asServerError(error: Error | undefined): Error | undefined {
  return error && new Error(serverMessage(error));
}
