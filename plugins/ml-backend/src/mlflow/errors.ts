import { randomUUID } from 'node:crypto';
import { ErrorRequestHandler } from 'express';
import { isError } from '@backstage/errors';
import { ownValue } from '../shared/objects';

/** MLflow's error codes that this server answers with. @internal */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'ENDPOINT_NOT_FOUND'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** HTTP status per code, as MLflow's server maps them (handlers.py). */
const statusByCode: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  TEMPORARILY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** The MLflow code for an error the services threw (Backstage error classes by name). */
const codeByErrorName: Record<string, MlflowErrorCode> = {
  InputError: 'INVALID_PARAMETER_VALUE',
  NotFoundError: 'RESOURCE_DOES_NOT_EXIST',
  ConflictError: 'RESOURCE_ALREADY_EXISTS',
  NotAllowedError: 'PERMISSION_DENIED',
  AuthenticationError: 'UNAUTHENTICATED',
  ServiceUnavailableError: 'TEMPORARILY_UNAVAILABLE',
  // express.json() rejects bodies over the limit and malformed JSON with these.
  PayloadTooLargeError: 'INVALID_PARAMETER_VALUE',
  SyntaxError: 'INVALID_PARAMETER_VALUE',
};

/**
 * An error that already carries its MLflow code, and optionally an HTTP status other
 * than the code's (MLflow has no code of its own for 413).
 *
 * @internal
 */
export class MlflowError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

/** The status and MLflow body (`{"error_code": ..., "message": ...}`) for any error. @internal */
export function toMlflowResponse(error: unknown): {
  status: number;
  body: { error_code: MlflowErrorCode; message: string };
} {
  let code: MlflowErrorCode = 'INTERNAL_ERROR';
  let message = String(error);
  if (error instanceof MlflowError) {
    code = error.code;
    message = error.message;
    if (error.status) {
      return { status: error.status, body: { error_code: code, message } };
    }
  } else if (isError(error)) {
    if (error.name === 'ArtifactTooLargeError') {
      // The body is too large to store: the request's fault, with HTTP's own status.
      return {
        status: 413,
        body: { error_code: 'INVALID_PARAMETER_VALUE', message: error.message },
      };
    }
    code = ownValue(codeByErrorName, error.name) ?? 'INTERNAL_ERROR';
    message = error.message;
    // body-parser marks its own errors with `type` and `status`.
    const status = (error as { status?: number }).status;
    if (code === 'INTERNAL_ERROR' && status && status >= 400 && status < 500) {
      code = 'INVALID_PARAMETER_VALUE';
    }
  }
  return { status: statusByCode[code], body: { error_code: code, message } };
}

/**
 * Express error middleware for the MLflow routes: answers MLflow's JSON error body
 * instead of Backstage's, so MLflow clients can read the code.
 *
 * @internal
 */
export function mlflowErrorHandler(options: {
  logError: (error: unknown) => void;
}): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, body } = toMlflowResponse(error);
    if (status >= 500) {
      options.logError(error);
    }
    if (body.error_code === 'INTERNAL_ERROR') {
      // What went wrong inside stays in the log; the client gets an id to quote.
      const id = randomUUID();
      options.logError(new Error(`MLflow API internal error ${id}`));
      body.message = `Internal error ${id}; the portal's log has the details`;
    }
    res.status(status).json(body);
  };
}
