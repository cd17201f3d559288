import express from 'express';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';
import { MonitoringService } from './MonitoringService';

/**
 * The monitoring API under `/api/ml`: an endpoint's metrics, SLOs, drift and alerts. Every
 * route acts for the caller: reads need `ml.endpoint.read`, changes `ml.endpoint.update`.
 *
 * @internal
 */
export function createMonitoringRouter(options: {
  monitoring: MonitoringService;
  resolveCaller: CallerResolver;
}): express.Router {
  const { monitoring, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/deployments/endpoints/:endpoint/metrics', async (req, res) => {
    res.json(
      await monitoring.metrics(
        await resolveCaller(req),
        req.params.endpoint,
        req.query.minutes,
      ),
    );
  });

  router.get('/monitoring/endpoints/:endpoint', async (req, res) => {
    res.json(
      await monitoring.get(await resolveCaller(req), req.params.endpoint),
    );
  });

  router.put('/monitoring/endpoints/:endpoint/settings', async (req, res) => {
    res.json(
      await monitoring.setSettings(
        await resolveCaller(req),
        req.params.endpoint,
        req.body,
      ),
    );
  });

  router.post('/monitoring/endpoints/:endpoint/samples', async (req, res) => {
    res
      .status(202)
      .json(
        await monitoring.postSamples(
          await resolveCaller(req),
          req.params.endpoint,
          req.body,
        ),
      );
  });

  router.post('/monitoring/alerts/:alertId/close', async (req, res) => {
    res.json(
      await monitoring.closeAlert(await resolveCaller(req), req.params.alertId),
    );
  });

  router.get('/monitoring/overview', async (req, res) => {
    res.json(await monitoring.overview(await resolveCaller(req)));
  });

  return router;
}
