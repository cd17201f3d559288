import express from 'express';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';
import { DeploymentService } from './DeploymentService';
import { ServingTargets } from './targets';

/**
 * The deployments API under `/api/ml`: endpoints, their deployments and canaries, the
 * per-version metrics, batch runs and a model's pipeline. Every route acts for the
 * caller: the service checks `ml.endpoint.*` on each endpoint.
 *
 * @internal
 */
export function createDeploymentsRouter(options: {
  deployments: DeploymentService;
  targets: ServingTargets;
  resolveCaller: CallerResolver;
}): express.Router {
  const { deployments, targets, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/serving-targets', (_req, res) => {
    res.json({ items: [...targets.keys()].sort().map(id => ({ id })) });
  });

  router.get('/deployments/endpoints', async (req, res) => {
    res.json({
      items: await deployments.list(await resolveCaller(req), req.query),
    });
  });

  router.post('/deployments/endpoints', async (req, res) => {
    res
      .status(201)
      .json(await deployments.create(await resolveCaller(req), req.body));
  });

  router.get('/deployments/endpoints/:endpoint', async (req, res) => {
    res.json(
      await deployments.get(await resolveCaller(req), req.params.endpoint),
    );
  });

  router.delete('/deployments/endpoints/:endpoint', async (req, res) => {
    await deployments.delete(await resolveCaller(req), req.params.endpoint);
    res.status(204).end();
  });

  router.post('/deployments/endpoints/:endpoint/deploy', async (req, res) => {
    res.json(
      await deployments.deploy(
        await resolveCaller(req),
        req.params.endpoint,
        req.body ?? {},
      ),
    );
  });

  router.post('/deployments/endpoints/:endpoint/traffic', async (req, res) => {
    res.json(
      await deployments.setTraffic(
        await resolveCaller(req),
        req.params.endpoint,
        req.body.weights,
      ),
    );
  });

  // The canary's and the endpoint's one-click actions.
  const actions = {
    promote: 'promote',
    abort: 'abort',
    rollback: 'rollback',
  } as const;
  for (const action of Object.values(actions)) {
    router.post(
      `/deployments/endpoints/:endpoint/${action}`,
      async (req, res) => {
        res.json(
          await deployments[action](
            await resolveCaller(req),
            req.params.endpoint,
          ),
        );
      },
    );
  }

  router.post(
    '/deployments/endpoints/:endpoint/batch-runs',
    async (req, res) => {
      res
        .status(201)
        .json(
          await deployments.startBatchRun(
            await resolveCaller(req),
            req.params.endpoint,
            req.body,
          ),
        );
    },
  );

  router.get('/deployments/pipelines/:name', async (req, res) => {
    res.json(
      await deployments.pipeline(await resolveCaller(req), req.params.name),
    );
  });

  return router;
}
