import express from 'express';
import Router from 'express-promise-router';
import { ComputeTarget } from '@ml-portal/plugin-ml-node';
import { HealthService } from './health/HealthService';
import { MAX_BILL_BYTES } from './cost/imports/upload';
import { createOpenApiRouter } from './schema/openapi';
import { createPortalRouter } from './schema/portalRouter';
import { jsonBody } from './shared/jsonBody';

/**
 * Request bodies, parsed before validation; the first parser whose path matches reads
 * the body and the others skip it; a bill uploaded as the file itself is left to the
 * cost router, which streams it. Limits per path: a job spec fits in 256 kB.
 */
function requestBodies(): express.Router {
  const bodies = Router();
  bodies.use('/training', jsonBody({ limit: '256kb' }));
  bodies.use('/datasets', jsonBody({ limit: '2mb' }));
  bodies.use('/cost/imports', jsonBody({ limit: `${MAX_BILL_BYTES}` }));
  // The Feast dump is read as text whatever its content type, so that bad JSON gets
  // the import's own message.
  bodies.use(
    '/features/imports',
    express.text({ type: () => true, limit: '10mb' }),
  );
  bodies.use(jsonBody());
  return bodies;
}

/**
 * The portal API under `/api/ml` with `routers` mounted on it, validated against
 * `schema/openapi.yaml`: a request that breaks the schema answers 400 (InputError)
 * before any route sees it. Paths the schema does not describe (the MLflow API,
 * mounted before it) pass untouched.
 *
 * @internal
 */
export async function createPortalApi(
  routers: express.Router[],
): Promise<express.Router> {
  const router = await createOpenApiRouter({
    middleware: [requestBodies()],
    validatorOptions: {
      validateRequests: {
        coerceTypes: false,
        allowUnknownQueryParameters: false,
        // Unknown body fields are dropped, as the routers' parsers did before.
        removeAdditional: true,
      },
      formats: {
        'text without a NUL character': (text: string) => !text.includes('\0'),
      },
    },
  });
  router.use(...routers);
  return router;
}

/**
 * Everything the plugin serves: the MLflow API under `/mlflow` (its own protocol, not
 * the schema's), scoring requests under `/serving`, then the portal API: health, compute targets and the domains' routers.
 *
 * @internal
 */
export async function createRouter(options: {
  mlflow: express.Router;
  /** Scoring requests, streamed to model servers unparsed. */
  serving: express.Router;
  health: HealthService;
  computeTargets: ReadonlyMap<string, ComputeTarget>;
  domainRouters: express.Router[];
}): Promise<express.Router> {
  const { health, computeTargets, domainRouters } = options;
  const router = createPortalRouter();
  router.get('/health', async (_req, res) => {
    const report = await health.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });

  router.get('/compute-targets', (_req, res) => {
    res.json({ items: [...computeTargets.keys()].sort().map(id => ({ id })) });
  });

  const root = Router();
  root.use('/mlflow', options.mlflow);
  root.use('/serving', options.serving);
  root.use(await createPortalApi([router, ...domainRouters]));
  return root;
}
