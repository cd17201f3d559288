import { pipeline } from 'node:stream/promises';
import express, { Response } from 'express';
import { TrackingService } from './TrackingService';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';

/** JSON with MLflow's encoding of non-finite numbers ("NaN", "Infinity", "-Infinity"). */
function sendJson(res: Response, body: unknown) {
  res
    .type('application/json')
    .send(
      JSON.stringify(body, (_key, value) =>
        typeof value === 'number' && !Number.isFinite(value)
          ? String(value)
          : value,
      ),
    );
}

/**
 * The portal's tracking API under `/api/ml`: what the pages call. Same service, same
 * rules and permissions as the MLflow API; camelCase shapes from `ml-common`.
 *
 * @internal
 */
export function createTrackingRouter(options: {
  tracking: TrackingService;
  resolveCaller: CallerResolver;
}): express.Router {
  const { tracking, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/experiments', async (req, res) => {
    sendJson(
      res,
      await tracking.searchExperiments(await resolveCaller(req), req.query),
    );
  });

  router.get('/experiments/:experimentId', async (req, res) => {
    sendJson(
      res,
      await tracking.getExperiment(
        await resolveCaller(req),
        req.params.experimentId,
      ),
    );
  });

  router.post('/runs/search', async (req, res) => {
    sendJson(
      res,
      await tracking.searchRuns(await resolveCaller(req), req.body),
    );
  });

  router.get('/runs/:runId', async (req, res) => {
    sendJson(
      res,
      await tracking.getRun(await resolveCaller(req), req.params.runId),
    );
  });

  router.get('/runs/:runId/metric-history', async (req, res) => {
    sendJson(
      res,
      await tracking.getMetricHistoryForChart(
        await resolveCaller(req),
        req.params.runId,
        req.query.key,
        req.query.maxPoints!,
      ),
    );
  });

  router.get('/runs/:runId/logged-models', async (req, res) => {
    const models = await tracking.loggedModels?.runModels(
      await resolveCaller(req),
      req.params.runId,
    );
    // The portal's shape: without the owner and creator the permission checks read.
    const items = (models ?? []).map(
      ({ owner: _owner, createdBy: _createdBy, metrics, ...model }) => ({
        ...model,
        metrics: metrics.map(({ modelId: _modelId, ...metric }) => metric),
      }),
    );
    sendJson(res, { items });
  });

  router.get('/runs/:runId/artifacts', async (req, res) => {
    const { files } = await tracking.listArtifacts(
      await resolveCaller(req),
      req.params.runId,
      req.query.path!,
    );
    sendJson(res, { files });
  });

  router.get('/runs/:runId/artifacts/content', async (req, res) => {
    const file = await tracking.getArtifact(
      await resolveCaller(req),
      req.params.runId,
      req.query.path!,
    );
    // Previews in the portal; never rendered as HTML on the portal's origin.
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Content-Security-Policy', "default-src 'none'");
    res.type(file.contentType ?? 'application/octet-stream');
    if (file.size !== undefined) res.set('Content-Length', String(file.size));
    await pipeline(file.body, res);
  });

  return router;
}
