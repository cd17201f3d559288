import express from 'express';
import { InputError } from '@backstage/errors';
import { jsonNestsDeeperThan } from './strings';

/**
 * How deeply a request body may nest arrays and objects: protobuf's JSON parser, which
 * reads MLflow's requests, stops at 100 as well. No request of the API nests beyond a
 * handful.
 *
 * @internal
 */
export const MAX_JSON_DEPTH = 100;

/**
 * `express.json` for the plugin's routes: at most `limit` bytes (1 MB unless given) and
 * {@link MAX_JSON_DEPTH} levels, both checked before the body is parsed; either answers
 * 400 (InputError), as malformed JSON does.
 *
 * @internal
 */
export function jsonBody(options: { limit?: string } = {}) {
  return express.json({
    limit: options.limit ?? '1mb',
    verify: (_req, _res, buffer) => {
      if (jsonNestsDeeperThan(buffer, MAX_JSON_DEPTH)) {
        throw Object.assign(
          new InputError(
            `Invalid request body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
          ),
          { status: 400, type: 'entity.verify.failed' },
        );
      }
    },
  });
}
