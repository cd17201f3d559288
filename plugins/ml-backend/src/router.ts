import express from 'express';
import Router from 'express-promise-router';
import { ComputeTarget } from '@ml-portal/plugin-ml-node';
import { HealthService } from './health/HealthService';

/**
 * The plugin's HTTP API under `/api/ml`. Thin: each route validates, calls a service and
 * serialises; errors thrown as `@backstage/errors` classes become proper responses in the
 * backend's error middleware.
 *
 * @internal
 */
export async function createRouter(options: {
  health: HealthService;
  computeTargets: ReadonlyMap<string, ComputeTarget>;
}): Promise<express.Router> {
  const { health, computeTargets } = options;
  const router = Router();
  router.get('/health', async (_req, res) => {
    const report = await health.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });

  router.get('/compute-targets', (_req, res) => {
    res.json({ items: [...computeTargets.keys()].sort().map(id => ({ id })) });
  });

  return router;
}
