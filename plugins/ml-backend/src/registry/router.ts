import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { Caller } from '../shared/caller';
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

/**
 * The portal's registry API under `/api/ml` (routes in ml-common's `registry.ts`): the
 * same service, rules and audit trail as the MLflow registry API; camelCase shapes.
 *
 * @internal
 */
export function createRegistryRouter(options: {
  registry: RegistryService;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { registry, resolveCaller } = options;
  const router = Router();
  router.use(['/models', '/promotions'], jsonBody());

  router.get('/models', async (req, res) => {
    const query = parseRequest(listModelsQuery, req.query);
    res.json(await registry.searchModels(await resolveCaller(req), query));
  });

  router.post('/models', async (req, res) => {
    const body = parseRequest(createModelBody, req.body);
    res
      .status(201)
      .json(await registry.createModel(await resolveCaller(req), body));
  });

  router.get('/models/:name', async (req, res) => {
    res.json(
      await registry.getModelDetails(await resolveCaller(req), req.params.name),
    );
  });

  router.get('/models/:name/audit', async (req, res) => {
    res.json(
      await registry.listAudit(await resolveCaller(req), req.params.name),
    );
  });

  router.post('/models/:name/versions', async (req, res) => {
    const body = parseRequest(registerVersionBody, req.body);
    res
      .status(201)
      .json(
        await registry.registerFromRun(
          await resolveCaller(req),
          req.params.name,
          body,
        ),
      );
  });

  router.get('/models/:name/versions/:version', async (req, res) => {
    res.json(
      await registry.getVersionDetails(
        await resolveCaller(req),
        req.params.name,
        req.params.version,
      ),
    );
  });

  router.post('/models/:name/promotions', async (req, res) => {
    const body = parseRequest(promotionBody, req.body);
    res
      .status(201)
      .json(
        await registry.requestPromotion(
          await resolveCaller(req),
          req.params.name,
          body,
        ),
      );
  });

  router.get('/promotions', async (req, res) => {
    const query = parseRequest(listPromotionsQuery, req.query);
    res.json(await registry.listPromotions(await resolveCaller(req), query));
  });

  router.post('/promotions/:id/approve', async (req, res) => {
    const { comment } = parseRequest(approveBody, req.body);
    res.json(
      await registry.approvePromotion(
        await resolveCaller(req),
        req.params.id,
        comment,
      ),
    );
  });

  router.post('/promotions/:id/reject', async (req, res) => {
    const { comment } = parseRequest(rejectBody, req.body);
    res.json(
      await registry.rejectPromotion(
        await resolveCaller(req),
        req.params.id,
        comment,
      ),
    );
  });

  router.post('/promotions/:id/cancel', async (req, res) => {
    res.json(
      await registry.cancelPromotion(await resolveCaller(req), req.params.id),
    );
  });

  return router;
}
