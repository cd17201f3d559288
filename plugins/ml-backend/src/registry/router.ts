import express from 'express';
import { PromotionService } from './PromotionService';
import { RegistryService } from './RegistryService';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';

/**
 * The portal's registry API under `/api/ml` (described in `../schema/openapi.yaml`): the
 * same services, rules and audit trail as the MLflow registry API; camelCase shapes.
 *
 * @internal
 */
export function createRegistryRouter(options: {
  registry: RegistryService;
  promotions: PromotionService;
  resolveCaller: CallerResolver;
}): express.Router {
  const { registry, promotions, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/models', async (req, res) => {
    res.json(await registry.searchModels(await resolveCaller(req), req.query));
  });
  router.post('/models', async (req, res) => {
    const caller = await resolveCaller(req);
    res.status(201).json(await registry.createModel(caller, req.body));
  });
  router.get('/models/:name', async (req, res) => {
    const caller = await resolveCaller(req);
    res.json(await registry.getModelDetails(caller, req.params.name));
  });
  router.get('/models/:name/audit', async (req, res) => {
    const caller = await resolveCaller(req);
    res.json(await registry.listAudit(caller, req.params.name));
  });
  router.post('/models/:name/versions', async (req, res) => {
    const caller = await resolveCaller(req);
    res
      .status(201)
      .json(await registry.registerFromRun(caller, req.params.name, req.body));
  });
  router.get('/models/:name/versions/:version', async (req, res) => {
    const { name, version } = req.params;
    const caller = await resolveCaller(req);
    res.json(await registry.getVersionDetails(caller, name, version));
  });
  router.post('/models/:name/promotions', async (req, res) => {
    const caller = await resolveCaller(req);
    res
      .status(201)
      .json(
        await promotions.requestPromotion(caller, req.params.name, req.body),
      );
  });
  router.get('/promotions', async (req, res) => {
    const { status, mine } = req.query;
    const caller = await resolveCaller(req);
    res.json(
      await promotions.listPromotions(caller, {
        status,
        mine: mine === 'true',
      }),
    );
  });
  router.post('/promotions/:id/approve', async (req, res) => {
    const caller = await resolveCaller(req);
    res.json(
      await promotions.approvePromotion(
        caller,
        req.params.id,
        req.body?.comment,
      ),
    );
  });
  router.post('/promotions/:id/reject', async (req, res) => {
    const caller = await resolveCaller(req);
    res.json(
      await promotions.rejectPromotion(caller, req.params.id, req.body.comment),
    );
  });
  router.post('/promotions/:id/cancel', async (req, res) => {
    const caller = await resolveCaller(req);
    res.json(await promotions.cancelPromotion(caller, req.params.id));
  });

  return router;
}
