import { pipeline } from 'node:stream/promises';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { InputError } from '@backstage/errors';
import { Caller } from '../shared/caller';
import { TrackingService } from './TrackingService';
import { parseRequest } from '../shared/parseRequest';
import { jsonBody } from '../shared/jsonBody';
import { requestLimits } from '../shared/validation';

/** Request text: PostgreSQL's text holds no NUL, which would fail as a server error. */
const text = () =>
  z.string().refine(value => !value.includes('\0'), 'contains a NUL character');

const viewType = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).optional();
const stringList = z
  .union([text(), z.array(text()).max(requestLimits.orderBy)])
  .optional()
  .transform(v => (v === undefined ? undefined : [v].flat()));
const positiveInt = z.coerce.number().int().positive().optional();

const listExperimentsQuery = z.object({
  filter: text().optional(),
  owner: text().optional(),
  orderBy: stringList,
  maxResults: positiveInt,
  pageToken: text().optional(),
  viewType,
});

const searchRunsBody = z.object({
  experimentIds: z
    .array(text())
    .min(1)
    .max(
      requestLimits.searchExperimentIds,
      `at most ${requestLimits.searchExperimentIds} experiment ids may be searched at once`,
    ),
  filter: text().optional(),
  orderBy: z
    .array(text())
    .max(
      requestLimits.orderBy,
      `at most ${requestLimits.orderBy} order_by entries`,
    )
    .optional(),
  maxResults: z.number().int().positive().optional(),
  pageToken: text().optional(),
  viewType,
});

const artifactQuery = z.object({ path: text().default('') });

const metricHistoryQuery = z.object({
  key: text().min(1),
  maxPoints: z.coerce.number().int().optional().default(1000),
});

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
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { tracking, resolveCaller } = options;
  const router = Router();
  // Each router parses only its own paths: the whole API shares one express app.
  router.use(['/experiments', '/runs'], jsonBody());
  for (const name of ['experimentId', 'runId']) {
    router.param(name, (_req, _res, next, value: string) => {
      next(
        value.includes('\0')
          ? new InputError(`Invalid ${name}: it contains a NUL character`)
          : undefined,
      );
    });
  }

  router.get('/experiments', async (req, res) => {
    const query = parseRequest(listExperimentsQuery, req.query);
    sendJson(
      res,
      await tracking.searchExperiments(await resolveCaller(req), query),
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
    const body = parseRequest(searchRunsBody, req.body);
    sendJson(res, await tracking.searchRuns(await resolveCaller(req), body));
  });

  router.get('/runs/:runId', async (req, res) => {
    sendJson(
      res,
      await tracking.getRun(await resolveCaller(req), req.params.runId),
    );
  });

  router.get('/runs/:runId/metric-history', async (req, res) => {
    const query = parseRequest(metricHistoryQuery, req.query);
    sendJson(
      res,
      await tracking.getMetricHistoryForChart(
        await resolveCaller(req),
        req.params.runId,
        query.key,
        query.maxPoints,
      ),
    );
  });

  router.get('/runs/:runId/artifacts', async (req, res) => {
    const { path } = parseRequest(artifactQuery, req.query);
    const { files } = await tracking.listArtifacts(
      await resolveCaller(req),
      req.params.runId,
      path,
    );
    sendJson(res, { files });
  });

  router.get('/runs/:runId/artifacts/content', async (req, res) => {
    const { path } = parseRequest(artifactQuery, req.query);
    const file = await tracking.getArtifact(
      await resolveCaller(req),
      req.params.runId,
      path,
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
