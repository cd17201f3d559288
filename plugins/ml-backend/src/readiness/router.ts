import express from 'express';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';
import { ReadinessService } from './ReadinessService';

/**
 * The readiness API under `/api/ml`: a model's scorecard (`ml.model.read` on it) and
 * the scorecards of every model the caller may read.
 *
 * @internal
 */
export function createReadinessRouter(options: {
  readiness: ReadinessService;
  resolveCaller: CallerResolver;
}): express.Router {
  const { readiness, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/readiness', async (req, res) => {
    res.json(await readiness.overview(await resolveCaller(req)));
  });

  router.get('/readiness/models/:name', async (req, res) => {
    res.json(
      await readiness.forModel(await resolveCaller(req), req.params.name),
    );
  });

  return router;
}
