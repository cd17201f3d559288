import express, { Request } from 'express';
import Router from 'express-promise-router';
import { InputError } from '@backstage/errors';
import { ViewType } from '@ml-portal/plugin-ml-common';
import { PromotionService } from '../registry/PromotionService';
import { RegistryService } from '../registry/RegistryService';
import { Caller } from '../shared/caller';
import { TrackingService } from '../tracking/TrackingService';
import { ArtifactStore } from '../tracking/artifacts/ArtifactStore';
import {
  requestLimits,
  validateArtifactLocation,
  validateRunName,
  validateRunNameTags,
  validateUserId,
} from '../shared/validation';
import { jsonBody, MAX_JSON_DEPTH } from '../shared/jsonBody';
import {
  describeValue,
  jsonNestsDeeperThan,
  trimLeading,
} from '../shared/strings';
import { createMlflowArtifactsRouter } from './artifactsRouter';
import { createMultipartUploadRouter } from './multipartUploads';
import { MlflowError, mlflowErrorHandler } from './errors';
import {
  Handler,
  list,
  optionalArray,
  optionalInt,
  optionalString,
  Params,
  passThrough,
  required,
} from './params';
import { JsonParts, sendJsonParts } from './jsonParts';
import { registryHandlers } from './registryHandlers';
import { loggedModelHandlers } from './loggedModelHandlers';
import { loggedModelArtifactRoutes } from './loggedModelArtifacts';
import {
  datasetInputFrom,
  experimentJson,
  metricHistoryJson,
  metricJson,
  runInfoJson,
  runJson,
} from './serialize';

const ARTIFACT_PREFIXES = [
  '/api/2.0/mlflow-artifacts/artifacts',
  '/ajax-api/2.0/mlflow-artifacts/artifacts',
];

// MLflow accepts the enum name or its number (1, 2, 3).
const VIEW_TYPES = new Map<string, ViewType>([
  ['ACTIVE_ONLY', 'ACTIVE_ONLY'],
  ['DELETED_ONLY', 'DELETED_ONLY'],
  ['ALL', 'ALL'],
  ['1', 'ACTIVE_ONLY'],
  ['2', 'DELETED_ONLY'],
  ['3', 'ALL'],
]);
function viewType(params: Params, name: string): ViewType {
  const value = optionalString(params, name);
  if (value === undefined || value === '') return 'ACTIVE_ONLY';
  const v = VIEW_TYPES.get(value);
  if (!v) {
    throw new InputError(
      `Invalid value ${describeValue(value)} for parameter '${name}' supplied.`,
    );
  }
  return v;
}

/** A search's `order_by`, bounded. */
const orderByOf = (p: Params) => list(p, 'order_by', requestLimits.orderBy);

const runIdOf = (params: Params) => required(params, 'run_id', 'run_uuid');

/**
 * Tags of a request, a list of `{key, value}` objects the service validates; the
 * `mlflow.runName` tag's value is a run name, bounded as one.
 */
function tagsOf(params: Params): any[] | undefined {
  const tags = optionalArray(params, 'tags');
  validateRunNameTags(tags);
  return tags;
}

/** The directory an artifact listing names (`?path=`); the artifacts router rejects the rest. */
function listedPath(req: Request): string {
  const path = req.query.path ?? '';
  if (typeof path !== 'string') {
    throw new InputError("Query parameter 'path' must be a single string");
  }
  return path;
}

/** The artifact path of a request's URL, %-decoded; InputError for malformed escapes. */
function decodePath(req: Request): string {
  try {
    return decodeURIComponent(req.path);
  } catch {
    throw new InputError(
      `Invalid artifact path: malformed %-encoding in '${req.path}'`,
    );
  }
}

/**
 * A request's fields: the query string of a GET, the JSON body otherwise; a DELETE may
 * carry them in either (MLflow's Python client sends a body, curl users a query). Path
 * parameters (MLflow 3's `logged-models/{model_id}`) win over both.
 */
function paramsOf(req: Request): Params {
  const path = req.params as Record<string, string>;
  if (req.method === 'GET') return { ...req.query, ...path };
  const body = req.body ?? {};
  return req.method === 'DELETE'
    ? { ...req.query, ...body, ...path }
    : { ...body, ...path };
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
        name: passThrough(p, 'name'),
        artifactLocation: validateArtifactLocation(
          optionalString(p, 'artifact_location'),
        ),
        tags: tagsOf(p),
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
        filter: optionalString(p, 'filter'),
        orderBy: orderByOf(p),
        maxResults: optionalInt(p, 'max_results'),
        pageToken: optionalString(p, 'page_token'),
        viewType: viewType(p, 'view_type'),
      });
      return {
        experiments: page.items.map(experimentJson),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    // Removed in MLflow 2.0 but still called by older clients (the npm `mlflow` package).
    'GET experiments/list': async (caller, p) => {
      const page = await tracking.searchExperiments(caller, {
        viewType: viewType(p, 'view_type'),
        maxResults: 1000,
      });
      return { experiments: page.items.map(experimentJson) };
    },
    'POST experiments/update': async (caller, p) => {
      await tracking.renameExperiment(
        caller,
        required(p, 'experiment_id'),
        passThrough(p, 'new_name'),
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
          experimentId: optionalString(p, 'experiment_id'),
          runName: validateRunName(optionalString(p, 'run_name')),
          startTime: optionalInt(p, 'start_time'),
          tags: tagsOf(p),
          // The signed-in identity wins over what the client claims.
          userId: caller.userId
            ? undefined
            : validateUserId(optionalString(p, 'user_id')),
        }),
      ),
    }),
    'GET runs/get': async (caller, p) => {
      const run = await tracking.getRun(caller, runIdOf(p));
      const models = await tracking.loggedModels?.runModelLinks(run.info.runId);
      return { run: runJson(run, models) };
    },
    'POST runs/update': async (caller, p) => ({
      run_info: runInfoJson(
        await tracking.updateRun(caller, runIdOf(p), {
          status: optionalString(p, 'status'),
          endTime: optionalInt(p, 'end_time'),
          runName: validateRunName(optionalString(p, 'run_name')),
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
        experimentIds: list(
          p,
          'experiment_ids',
          requestLimits.searchExperimentIds,
        ),
        filter: optionalString(p, 'filter'),
        orderBy: orderByOf(p),
        maxResults: optionalInt(p, 'max_results'),
        pageToken: optionalString(p, 'page_token'),
        viewType: viewType(p, 'run_view_type'),
      });
      return {
        runs: page.items.map(run => runJson(run)),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    'POST runs/log-metric': async (caller, p) => {
      await tracking.logBatch(caller, runIdOf(p), {
        metrics: [
          {
            key: p.key,
            value: p.value,
            timestamp: p.timestamp,
            step: p.step,
            // MLflow 3: the logged model and dataset the metric was computed on.
            model_id: p.model_id,
            dataset_name: p.dataset_name,
            dataset_digest: p.dataset_digest,
          },
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
      const tags = [{ key: p.key, value: p.value }];
      validateRunNameTags(tags);
      await tracking.logBatch(caller, runIdOf(p), { tags });
      return {};
    },
    'POST runs/delete-tag': async (caller, p) => {
      await tracking.deleteTag(caller, runIdOf(p), required(p, 'key'));
      return {};
    },
    'POST runs/log-batch': async (caller, p) => {
      // MLflow's batch limits are checked by the service, before any entry is read.
      await tracking.logBatch(caller, runIdOf(p), {
        metrics: optionalArray(p, 'metrics'),
        params: optionalArray(p, 'params'),
        tags: tagsOf(p),
      });
      return {};
    },
    'POST runs/log-inputs': async (caller, p) => {
      const datasets = Array.isArray(p.datasets) ? p.datasets : [];
      if (datasets.length > requestLimits.datasetInputs) {
        throw new InputError(
          `Invalid value for parameter 'datasets': a request may log at most ${requestLimits.datasetInputs} dataset inputs, got ${datasets.length}.`,
        );
      }
      await tracking.logInputs(
        caller,
        runIdOf(p),
        datasets.map(datasetInputFrom),
      );
      // MLflow 3: the logged models the run read.
      if (p.models !== undefined) {
        if (!tracking.loggedModels) {
          throw new InputError('This server keeps no logged models');
        }
        await tracking.loggedModels.logModelInputs(
          caller,
          runIdOf(p),
          p.models,
        );
      }
      return {};
    },
    'POST runs/log-model': async (caller, p) => {
      const modelJson = required(p, 'model_json');
      // Stored re-serialised: deep nesting would overflow JSON.stringify's stack.
      if (jsonNestsDeeperThan(modelJson, MAX_JSON_DEPTH)) {
        throw new InputError(
          `Invalid value for parameter 'model_json': JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
        );
      }
      await tracking.logModel(caller, runIdOf(p), modelJson);
      return {};
    },
    'GET artifacts/list': async (caller, p) => {
      const { rootUri, files } = await tracking.listArtifacts(
        caller,
        runIdOf(p),
        optionalString(p, 'path') ?? '',
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
      const runId = runIdOf(p);
      const key = required(p, 'metric_key');
      const { points, nextPageToken } = await tracking.getMetricHistory(
        caller,
        runId,
        key,
        {
          maxResults: optionalInt(p, 'max_results'),
          pageToken: optionalString(p, 'page_token'),
        },
      );
      return new JsonParts(metricHistoryJson(key, points, nextPageToken));
    },
    'GET metrics/get-history-bulk-interval': async (caller, p) => {
      const runIds = list(p, 'run_ids', Number.MAX_SAFE_INTEGER);
      if (
        runIds.length === 0 ||
        runIds.length > requestLimits.bulkHistoryRunIds
      ) {
        throw new InputError(
          `run_ids must list between 1 and ${requestLimits.bulkHistoryRunIds} run ids.`,
        );
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
  promotions: PromotionService;
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
      req.path === '/' ? listedPath(req) : trimLeading(decodePath(req), '/');
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
  router.use(
    createMultipartUploadRouter({
      store: options.artifacts,
      tracking: options.tracking,
      resolveCaller: options.resolveCaller,
    }),
  );
  const handlers = {
    ...trackingHandlers(options.tracking),
    ...loggedModelHandlers(options.tracking.loggedModels),
    ...registryHandlers(options.registry, options.promotions),
  };
  const json = jsonBody();

  for (const [route, handler] of Object.entries(handlers)) {
    const [method, path] = route.split(' ');
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const serve = async (req: Request, res: express.Response) => {
        const caller = await options.resolveCaller(req);
        const answer = await handler(caller, paramsOf(req));
        if (answer instanceof JsonParts) {
          await sendJsonParts(req, res, answer.parts);
        } else {
          res.json(answer);
        }
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

  router.use(
    loggedModelArtifactRoutes({
      tracking: options.tracking,
      resolveCaller: options.resolveCaller,
      logError: options.logError,
    }),
  );

  router.use(() => {
    throw new MlflowError('ENDPOINT_NOT_FOUND', 'No such MLflow endpoint');
  });
  router.use(mlflowErrorHandler({ logError: options.logError }));
  return router;
}
