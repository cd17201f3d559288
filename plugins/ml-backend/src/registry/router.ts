import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { Caller } from '../shared/caller';
import { PromotionService } from './PromotionService';
import { RegistryService } from './RegistryService';
import { parseRequest } from '../shared/parseRequest';
import { jsonBody } from '../shared/jsonBody';

const tag = z.object({ key: z.string(), value: z.string() });

const listModelsQuery = z.object({
  filter: z.string().optional(),
  maxResults: z.coerce.number().int().positive().optional(),
  pageToken: z.string().optional(),
});

const createModelBody = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(tag).optional(),
});

const registerVersionBody = z.object({
  runId: z.string().min(1),
  artifactPath: z.string().optional(),
  description: z.string().optional(),
});

const promotionBody = z.object({
  version: z.string().min(1),
  alias: z.string().min(1),
  reason: z.string().optional(),
});

const listPromotionsQuery = z.object({
  status: z.enum(['PENDING', 'APPROVED', 'REJECTED', 'CANCELLED']).optional(),
  mine: z
    .enum(['true', 'false'])
    .optional()
    .transform(v => v === 'true'),
});

const approveBody = z.object({ comment: z.string().optional() });
const rejectBody = z.object({ comment: z.string().min(1) });

/** A route's input: its query or body as `schema` parses it (InputError otherwise). */
const queryOf =
  <T extends z.ZodTypeAny>(schema: T) =>
  (req: Request) =>
    parseRequest(schema, req.query);
const bodyOf =
  <T extends z.ZodTypeAny>(schema: T) =>
  (req: Request) =>
    parseRequest(schema, req.body);
const noInput = () => undefined;

/**
 * The portal's registry API under `/api/ml` (routes in ml-common's `registry.ts`): the
 * same services, rules and audit trail as the MLflow registry API; camelCase shapes.
 *
 * @internal
 */
export function createRegistryRouter(options: {
  registry: RegistryService;
  promotions: PromotionService;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { registry, promotions, resolveCaller } = options;
  const router = Router();
  router.use(['/models', '/promotions'], jsonBody());

  /** A route that answers `status` with what `call` returns; bad input fails before the caller is resolved. */
  const answer =
    <I, O>(
      status: number,
      input: (req: Request) => I,
      call: (caller: Caller, input: I, params: Request['params']) => Promise<O>,
    ) =>
    async (req: Request, res: Response) => {
      const parsed = input(req);
      res
        .status(status)
        .json(await call(await resolveCaller(req), parsed, req.params));
    };

  router.get(
    '/models',
    answer(200, queryOf(listModelsQuery), (caller, query) =>
      registry.searchModels(caller, query),
    ),
  );
  router.post(
    '/models',
    answer(201, bodyOf(createModelBody), (caller, body) =>
      registry.createModel(caller, body),
    ),
  );
  router.get(
    '/models/:name',
    answer(200, noInput, (caller, _, { name }) =>
      registry.getModelDetails(caller, name),
    ),
  );
  router.get(
    '/models/:name/audit',
    answer(200, noInput, (caller, _, { name }) =>
      registry.listAudit(caller, name),
    ),
  );
  router.post(
    '/models/:name/versions',
    answer(201, bodyOf(registerVersionBody), (caller, body, { name }) =>
      registry.registerFromRun(caller, name, body),
    ),
  );
  router.get(
    '/models/:name/versions/:version',
    answer(200, noInput, (caller, _, { name, version }) =>
      registry.getVersionDetails(caller, name, version),
    ),
  );
  router.post(
    '/models/:name/promotions',
    answer(201, bodyOf(promotionBody), (caller, body, { name }) =>
      promotions.requestPromotion(caller, name, body),
    ),
  );
  router.get(
    '/promotions',
    answer(200, queryOf(listPromotionsQuery), (caller, query) =>
      promotions.listPromotions(caller, query),
    ),
  );
  router.post(
    '/promotions/:id/approve',
    answer(200, bodyOf(approveBody), (caller, { comment }, { id }) =>
      promotions.approvePromotion(caller, id, comment),
    ),
  );
  router.post(
    '/promotions/:id/reject',
    answer(200, bodyOf(rejectBody), (caller, { comment }, { id }) =>
      promotions.rejectPromotion(caller, id, comment),
    ),
  );
  router.post(
    '/promotions/:id/cancel',
    answer(200, noInput, (caller, _, { id }) =>
      promotions.cancelPromotion(caller, id),
    ),
  );

  return router;
}
