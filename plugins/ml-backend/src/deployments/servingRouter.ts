import http from 'node:http';
import express from 'express';
import Router from 'express-promise-router';
import { mlEndpointReadPermission } from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { CallerResolver } from '../schema/portalRouter';
import { DeploymentStore, StoredDeployment } from './DeploymentStore';
import { TrafficSampler } from './ports';
import { ServingMeter } from './ServingMeter';
import { ServingTargets } from './targets';

/** Largest scoring request the router forwards (MLflow's scoring server has no limit). */
export const MAX_INVOCATION_BYTES = 10 * 1024 * 1024;
/** Routing tables and read decisions are reused this long: across replicas a change shows within it. */
const ROUTES_TTL_MS = 1000;
const DECISION_TTL_MS = 10_000;
const MAX_CACHED_DECISIONS = 10_000;

type Route = {
  endpointId: string;
  name: string;
  owner: string;
  target: string;
  deployments: StoredDeployment[];
  expires: number;
};

/** An error in MLflow's scoring server's shape. */
function scoringError(
  res: express.Response,
  status: number,
  errorCode: string,
  message: string,
) {
  res.status(status).json({ error_code: errorCode, message });
}

const ROUTABLE = new Set(['ready', 'scaled-to-zero']);

/**
 * Picks a deployment by its traffic weight among those that can take requests: a canary
 * still starting (or failed) gets none of the traffic, so nothing is half routed.
 *
 * @internal
 */
export function pickDeployment(
  deployments: StoredDeployment[],
  random = Math.random(),
): StoredDeployment | undefined {
  const ready = deployments.filter(d => ROUTABLE.has(d.state));
  const weighted = ready.filter(d => d.weight > 0);
  // A replacement still starting has all the weight: the version it replaces answers.
  const routable = weighted.length > 0 ? weighted : ready;
  const total = routable.reduce((n, d) => n + Math.max(d.weight, 1), 0);
  let point = random * total;
  for (const d of routable) {
    point -= Math.max(d.weight, 1);
    if (point < 0) return d;
  }
  return routable[routable.length - 1];
}

/** Parses a captured exchange for the sampler; bodies that are not JSON are skipped. */
function offerSample(
  sampler: TrafficSampler,
  endpointId: string,
  deploymentId: string,
  captured: { request: Buffer[]; response: Buffer[] },
) {
  try {
    sampler.offer(endpointId, deploymentId, {
      request: JSON.parse(Buffer.concat(captured.request).toString('utf8')),
      response: JSON.parse(Buffer.concat(captured.response).toString('utf8')),
    });
  } catch {
    // Not a JSON scoring exchange: nothing to sample.
  }
}

/**
 * `POST /serving/<endpoint>/invocations`: MLflow's scoring protocol, forwarded to one of
 * the endpoint's deployments by the traffic split, for targets whose model servers the
 * portal reaches (`route`). The body streams through unparsed; every request is counted
 * per deployment (status, latency, bytes, cold starts) for the canary analysis.
 *
 * @internal
 */
export class ServingRouter {
  private readonly routes = new Map<string, Route>();
  private readonly decisions = new Map<string, number>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    private readonly options: {
      store: DeploymentStore;
      targets: ServingTargets;
      meter: ServingMeter;
      access: AccessControl;
      resolveCaller: CallerResolver;
      /** Records a cold start on the deployment (its last cold start, an event). */
      onColdStart: (deploymentId: string, coldStartMs: number) => void;
      /** Drift monitoring's sampler: the bodies of the requests it asks for. */
      sampler?: TrafficSampler;
    },
  ) {}

  /** Drops an endpoint's routing table (after a change in this process). */
  invalidate(endpointName: string) {
    this.routes.delete(endpointName);
  }

  router(): express.Router {
    const router = Router();
    router.post('/:endpoint/invocations', (req, res) => this.invoke(req, res));
    return router;
  }

  close() {
    this.agent.destroy();
  }

  private async invoke(req: express.Request, res: express.Response) {
    const started = process.hrtime.bigint();
    const name = req.params.endpoint;
    const route = await this.route(name);
    if (!route || !(await this.mayRead(req, route))) {
      return scoringError(
        res,
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `No endpoint named '${name}'`,
      );
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_INVOCATION_BYTES) {
      return scoringError(
        res,
        413,
        'INVALID_PARAMETER_VALUE',
        `The request body exceeds ${MAX_INVOCATION_BYTES} bytes`,
      );
    }
    const target = this.options.targets.get(route.target);
    if (!target?.route) {
      return scoringError(
        res,
        400,
        'INVALID_PARAMETER_VALUE',
        `Endpoint '${name}' is served by ${route.target}, which the portal does not route; send requests to the endpoint's URL`,
      );
    }
    const deployment = pickDeployment(route.deployments);
    if (!deployment) {
      return scoringError(
        res,
        503,
        'TEMPORARILY_UNAVAILABLE',
        `Endpoint '${name}' has no version ready to serve yet`,
      );
    }
    let upstream: { url: string; coldStartMs?: number };
    try {
      upstream = await target.route(name, deployment.name);
    } catch (error) {
      return scoringError(
        res,
        503,
        'TEMPORARILY_UNAVAILABLE',
        `Version ${
          deployment.version
        } of endpoint '${name}' cannot take requests: ${
          (error as Error).message
        }`,
      );
    }
    if (upstream.coldStartMs !== undefined) {
      this.options.onColdStart(deployment.id, upstream.coldStartMs);
    }
    this.forward(req, res, upstream.url, {
      endpointId: route.endpointId,
      deployment,
      started,
      coldStartMs: upstream.coldStartMs,
    });
    return undefined;
  }

  private forward(
    req: express.Request,
    res: express.Response,
    baseUrl: string,
    context: {
      endpointId: string;
      deployment: StoredDeployment;
      started: bigint;
      coldStartMs?: number;
    },
  ) {
    const { endpointId, deployment, started, coldStartMs } = context;
    const { sampler } = this.options;
    // A sampled request's bodies are kept until it is answered, then parsed off the path.
    const captured = sampler?.wants(endpointId)
      ? { request: [] as Buffer[], response: [] as Buffer[] }
      : undefined;
    let bytesIn = 0;
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      this.options.meter.record(endpointId, deployment.id, {
        latencyMicros: Number(process.hrtime.bigint() - started) / 1000,
        status,
        bytesIn,
        coldStartMs,
      });
    };
    const headers: http.OutgoingHttpHeaders = {
      'content-type': req.headers['content-type'] ?? 'application/json',
    };
    if (req.headers['content-length'])
      headers['content-length'] = req.headers['content-length'];
    const upstream = http.request(
      `${baseUrl}/invocations`,
      { method: 'POST', agent: this.agent, headers },
      answer => {
        const status = answer.statusCode ?? 502;
        res.status(status);
        if (answer.headers['content-type'])
          res.setHeader('content-type', answer.headers['content-type']);
        res.setHeader('x-ml-model-version', String(deployment.version));
        answer.pipe(res);
        if (captured) answer.on('data', chunk => captured.response.push(chunk));
        answer.on('end', () => {
          record(status);
          if (captured && status === 200) {
            setImmediate(() =>
              offerSample(sampler!, endpointId, deployment.id, captured),
            );
          }
        });
        answer.on('error', () => record(502));
      },
    );
    upstream.on('error', error => {
      if (!res.headersSent) {
        scoringError(
          res,
          502,
          'TEMPORARILY_UNAVAILABLE',
          `Version ${deployment.version}'s model server did not answer: ${error.message}`,
        );
      } else {
        res.destroy();
      }
      record(502);
    });
    req.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
      captured?.request.push(chunk);
      if (bytesIn > MAX_INVOCATION_BYTES) {
        req.unpipe(upstream);
        upstream.destroy();
        if (!res.headersSent) {
          scoringError(
            res,
            413,
            'INVALID_PARAMETER_VALUE',
            `The request body exceeds ${MAX_INVOCATION_BYTES} bytes`,
          );
        }
        record(413);
      }
    });
    req.pipe(upstream);
  }

  private async route(name: string): Promise<Route | undefined> {
    const cached = this.routes.get(name);
    if (cached && cached.expires > Date.now()) return cached;
    const { store } = this.options;
    const endpoint = await store.getEndpoint(name);
    if (!endpoint || endpoint.kind === 'batch') {
      this.routes.delete(name);
      return undefined;
    }
    const route: Route = {
      endpointId: endpoint.id,
      name,
      owner: endpoint.owner,
      target: endpoint.target,
      deployments: await store.liveDeployments([endpoint.id]),
      expires: Date.now() + ROUTES_TTL_MS,
    };
    this.routes.set(name, route);
    return route;
  }

  /** The caller reads the endpoint; decisions are reused for a few seconds per caller. */
  private async mayRead(req: express.Request, route: Route): Promise<boolean> {
    const caller = await this.options.resolveCaller(req);
    const key = `${caller.kind}|${caller.userId ?? ''}|${caller.groups.join(
      ',',
    )}|${route.owner}`;
    const until = this.decisions.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const [visible] = await this.options.access.filter(
      caller,
      mlEndpointReadPermission,
      [route],
      r => r.owner,
    );
    if (!visible) return false;
    if (this.decisions.size >= MAX_CACHED_DECISIONS) this.decisions.clear();
    this.decisions.set(key, Date.now() + DECISION_TTL_MS);
    return true;
  }
}
