import express, { Request } from 'express';
import Router from 'express-promise-router';
import { InputError } from '@backstage/errors';
import { ViewType } from '@ml-portal/plugin-ml-common';
import { RegistryService } from '../registry/RegistryService';
import { Caller, TrackingService } from '../tracking/TrackingService';
import { decodePageToken, encodePageToken } from '../tracking/search';
import { ArtifactStore } from '../tracking/artifacts/ArtifactStore';
import { createMlflowArtifactsRouter } from './artifactsRouter';
import { MlflowError, mlflowErrorHandler } from './errors';
import { Handler, list, optionalInt, Params, required } from './params';
import { registryHandlers } from './registryHandlers';
import {
  datasetInputFrom,
  experimentJson,
  metricJson,
  runInfoJson,
  runJson,
} from './serialize';

const ARTIFACT_PREFIXES = [
  '/api/2.0/mlflow-artifacts/artifacts',
  '/ajax-api/2.0/mlflow-artifacts/artifacts',
];

const VIEW_TYPES: ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
function viewType(value: unknown): ViewType {
  if (value === undefined || value === null || value === '')
    return 'ACTIVE_ONLY';
  // MLflow accepts the enum name or its number (1, 2, 3).
  const byNumber: Record<string, ViewType> = {
    '1': 'ACTIVE_ONLY',
    '2': 'DELETED_ONLY',
    '3': 'ALL',
  };
  const v = byNumber[String(value)] ?? String(value);
  if (!VIEW_TYPES.includes(v as ViewType)) {
    throw new InputError(
      `Invalid value ${value} for parameter 'view_type' supplied.`,
    );
  }
  return v as ViewType;
}

const runIdOf = (params: Params) => required(params, 'run_id', 'run_uuid');

/**
 * A request's fields: the query string of a GET, the JSON body otherwise; a DELETE may
 * carry them in either (MLflow's Python client sends a body, curl users a query).
 */
function paramsOf(req: Request): Params {
  if (req.method === 'GET') return req.query;
  const body = req.body ?? {};
  return req.method === 'DELETE' ? { ...req.query, ...body } : body;
}

/**
 * The MLflow REST API 2.0 tracking endpoints, as a routing table from endpoint to
 * handler; each handler validates, calls the tracking service and serialises to
 * MLflow's JSON.
 */
function trackingHandlers(tracking: TrackingService): Record<string, Handler> {
  return {
    'POST experiments/create': async (caller, p) => ({
      experiment_id: await tracking.createExperiment(caller, {
        name: p.name,
        artifactLocation: p.artifact_location,
        tags: p.tags,
      }),
    }),
    'GET experiments/get': async (caller, p) => ({
      experiment: experimentJson(
        await tracking.getExperiment(caller, required(p, 'experiment_id')),
      ),
    }),
    'GET experiments/get-by-name': async (caller, p) => ({
      experiment: experimentJson(
        await tracking.getExperimentByName(
          caller,
          required(p, 'experiment_name'),
        ),
      ),
    }),
    'POST experiments/search': async (caller, p) => {
      const page = await tracking.searchExperiments(caller, {
        filter: p.filter,
        orderBy: list(p.order_by),
        maxResults: optionalInt(p, 'max_results'),
        pageToken: p.page_token,
        viewType: viewType(p.view_type),
      });
      return {
        experiments: page.items.map(experimentJson),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    // Removed in MLflow 2.0 but still called by older clients (the npm `mlflow` package).
    'GET experiments/list': async (caller, p) => {
      const page = await tracking.searchExperiments(caller, {
        viewType: viewType(p.view_type),
        maxResults: 1000,
      });
      return { experiments: page.items.map(experimentJson) };
    },
    'POST experiments/update': async (caller, p) => {
      await tracking.renameExperiment(
        caller,
        required(p, 'experiment_id'),
        p.new_name,
      );
      return {};
    },
    'POST experiments/delete': async (caller, p) => {
      await tracking.deleteExperiment(caller, required(p, 'experiment_id'));
      return {};
    },
    'POST experiments/restore': async (caller, p) => {
      await tracking.restoreExperiment(caller, required(p, 'experiment_id'));
      return {};
    },
    'POST experiments/set-experiment-tag': async (caller, p) => {
      await tracking.setExperimentTag(caller, required(p, 'experiment_id'), {
        key: p.key,
        value: p.value,
      });
      return {};
    },
    'POST runs/create': async (caller, p) => ({
      run: runJson(
        await tracking.createRun(caller, {
          experimentId: p.experiment_id,
          runName: p.run_name,
          startTime: optionalInt(p, 'start_time'),
          tags: p.tags,
          // The signed-in identity wins over what the client claims.
          userId: caller.userId ? undefined : p.user_id,
        }),
      ),
    }),
    'GET runs/get': async (caller, p) => ({
      run: runJson(await tracking.getRun(caller, runIdOf(p))),
    }),
    'POST runs/update': async (caller, p) => ({
      run_info: runInfoJson(
        await tracking.updateRun(caller, runIdOf(p), {
          status: p.status,
          endTime: optionalInt(p, 'end_time'),
          runName: p.run_name,
        }),
      ),
    }),
    'POST runs/delete': async (caller, p) => {
      await tracking.deleteRun(caller, runIdOf(p));
      return {};
    },
    'POST runs/restore': async (caller, p) => {
      await tracking.restoreRun(caller, runIdOf(p));
      return {};
    },
    'POST runs/search': async (caller, p) => {
      const page = await tracking.searchRuns(caller, {
        experimentIds: list(p.experiment_ids),
        filter: p.filter,
        orderBy: list(p.order_by),
        maxResults: optionalInt(p, 'max_results'),
        pageToken: p.page_token,
        viewType: viewType(p.run_view_type),
      });
      return {
        runs: page.items.map(runJson),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    'POST runs/log-metric': async (caller, p) => {
      await tracking.logBatch(caller, runIdOf(p), {
        metrics: [
          { key: p.key, value: p.value, timestamp: p.timestamp, step: p.step },
        ],
      });
      return {};
    },
    'POST runs/log-parameter': async (caller, p) => {
      await tracking.logBatch(caller, runIdOf(p), {
        params: [{ key: p.key, value: p.value }],
      });
      return {};
    },
    'POST runs/set-tag': async (caller, p) => {
      await tracking.logBatch(caller, runIdOf(p), {
        tags: [{ key: p.key, value: p.value }],
      });
      return {};
    },
    'POST runs/delete-tag': async (caller, p) => {
      await tracking.deleteTag(caller, runIdOf(p), required(p, 'key'));
      return {};
    },
    'POST runs/log-batch': async (caller, p) => {
      for (const field of ['metrics', 'params', 'tags']) {
        if (p[field] !== undefined && !Array.isArray(p[field])) {
          throw new InputError(
            `Invalid value for parameter '${field}': expected a list.`,
          );
        }
      }
      await tracking.logBatch(caller, runIdOf(p), {
        metrics: p.metrics,
        params: p.params,
        tags: p.tags,
      });
      return {};
    },
    'POST runs/log-inputs': async (caller, p) => {
      const datasets = Array.isArray(p.datasets) ? p.datasets : [];
      await tracking.logInputs(
        caller,
        runIdOf(p),
        datasets.map(datasetInputFrom),
      );
      return {};
    },
    'POST runs/log-model': async (caller, p) => {
      await tracking.logModel(caller, runIdOf(p), required(p, 'model_json'));
      return {};
    },
    'GET artifacts/list': async (caller, p) => {
      const { rootUri, files } = await tracking.listArtifacts(
        caller,
        runIdOf(p),
        p.path ?? '',
      );
      return {
        root_uri: rootUri,
        files: files.map(f => ({
          path: f.path,
          is_dir: f.isDir,
          ...(f.fileSize !== undefined && { file_size: f.fileSize }),
        })),
      };
    },
    'GET metrics/get-history': async (caller, p) => {
      const metrics = await tracking.getMetricHistory(
        caller,
        runIdOf(p),
        required(p, 'metric_key'),
      );
      // MLflow 2.x returns the whole series unless max_results pages it.
      const maxResults = optionalInt(p, 'max_results');
      const offset = decodePageToken(p.page_token);
      const end = maxResults ? offset + maxResults : metrics.length;
      return {
        metrics: metrics.slice(offset, end).map(metricJson),
        ...(end < metrics.length && { next_page_token: encodePageToken(end) }),
      };
    },
    'GET metrics/get-history-bulk-interval': async (caller, p) => {
      const runIds = list(p.run_ids);
      if (runIds.length === 0 || runIds.length > 100) {
        throw new InputError('run_ids must list between 1 and 100 run ids.');
      }
      const key = required(p, 'metric_key');
      const maxResults = optionalInt(p, 'max_results') ?? 320;
      const startStep = optionalInt(p, 'start_step');
      const endStep = optionalInt(p, 'end_step');
      const metrics = [];
      for (const runId of runIds) {
        const history = await tracking.getMetricHistoryForChart(
          caller,
          runId,
          key,
          Math.max(2, maxResults),
        );
        metrics.push(
          ...history.points
            .filter(
              m =>
                (startStep === undefined || m.step >= startStep) &&
                (endStep === undefined || m.step <= endStep),
            )
            .map(m => ({ ...metricJson(m), run_id: runId })),
        );
      }
      return { metrics };
    },
  };
}

/**
 * The MLflow-compatible API: `/api/2.0/mlflow/*` and `/ajax-api/2.0/mlflow/*`, relative
 * to where it is mounted (`/api/ml/mlflow`). Errors come out as MLflow error bodies.
 *
 * @internal
 */
export function createMlflowRouter(options: {
  tracking: TrackingService;
  registry: RegistryService;
  resolveCaller: (req: Request) => Promise<Caller>;
  logError: (error: unknown) => void;
  artifacts: ArtifactStore;
}): express.Router {
  const router = Router();
  // The proxied artifact API reads upload bodies itself: before any body parser, and
  // behind the same permissions as the experiment the path starts with.
  router.use(ARTIFACT_PREFIXES, async (req, _res, next) => {
    const caller = await options.resolveCaller(req);
    const path =
      req.path === '/'
        ? String(req.query.path ?? '')
        : decodeURIComponent(req.path).replace(/^\/+/, '');
    const mode =
      req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
    await options.tracking.authorizeArtifactPath(caller, path, mode);
    next();
  });
  router.use(
    createMlflowArtifactsRouter({
      store: options.artifacts,
      logError: options.logError,
    }),
  );
  const handlers = {
    ...trackingHandlers(options.tracking),
    ...registryHandlers(options.registry),
  };
  const json = express.json({ limit: '1mb' });

  for (const [route, handler] of Object.entries(handlers)) {
    const [method, path] = route.split(' ');
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const serve = async (req: Request, res: express.Response) => {
        const caller = await options.resolveCaller(req);
        res.json(await handler(caller, paramsOf(req)));
      };
      const url = `${prefix}/${path}`;
      router[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](
        url,
        json,
        serve,
      );
      // MLflow accepts the search endpoints by GET and POST alike.
      if (path.endsWith('/search')) {
        router[method === 'GET' ? 'post' : 'get'](url, json, serve);
      }
    }
  }

  router.use(() => {
    throw new MlflowError('ENDPOINT_NOT_FOUND', 'No such MLflow endpoint');
  });
  router.use(mlflowErrorHandler({ logError: options.logError }));
  return router;
}
