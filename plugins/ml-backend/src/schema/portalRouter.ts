import { Request } from 'express';
import Router from 'express-promise-router';
import { Caller } from '../shared/caller';
import { PortalRouter } from './openapi';

/**
 * Resolves the caller of any request, typed routes' requests included (as
 * `HttpAuthService.credentials` takes them).
 *
 * @internal
 */
export type CallerResolver = (
  req: Request<any, any, any, any, any>,
) => Promise<Caller>;

/**
 * A domain's part of the portal API, its routes typed from `openapi.yaml`. It is
 * mounted on the top-level router (`../router.ts`), which has validated each request
 * against the schema before: handlers read `req.params`, `req.query` and `req.body` as
 * the schema describes them, with defaults applied and numbers parsed.
 *
 * @internal
 */
export function createPortalRouter(): PortalRouter {
  return Router() as PortalRouter;
}
