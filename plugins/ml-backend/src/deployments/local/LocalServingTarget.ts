import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  EndpointSpec,
  EndpointStatus,
  ServingDeployment,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';
import { parse as parseYaml } from 'yaml';
import { LocalServingSettings } from './config';
import { freePort, LogTail, ServerProcess } from './ServerProcess';

/**
 * What a model server inherits of the backend's environment: nothing that could hold a
 * credential. The same rule as the local compute target's (training/), kept here as a
 * constant because the two domains do not import each other.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG'];

type DeploymentState = EndpointStatus['deployments'][number]['state'];

/** A deployment's model server as `apply` resolved it, and what runs now. */
type LocalDeployment = {
  name: string;
  modelDir: string;
  flavor: string;
  /** The flavor's command with `{modelDir}` filled in; `{port}` is filled per start. */
  command: string[];
  state: DeploymentState;
  reason?: string;
  logs: LogTail;
  process?: ServerProcess;
  /** The start in progress, which concurrent cold-start routes share. */
  starting?: Promise<void>;
  lastUsedAt: number;
  idleTimer?: NodeJS.Timeout;
  /** Set once apply, remove or destroy let go of it: late events change nothing. */
  retired: boolean;
};

type LocalEndpoint = {
  spec: EndpointSpec;
  deployments: Map<string, LocalDeployment>;
};

/**
 * The `local` serving target: one model server process per deployment, on a free port
 * of 127.0.0.1 on the backend's host, for single-machine installs, demos and tests. The
 * portal's serving router splits the traffic and asks `route` where a deployment
 * listens.
 *
 * The command of a deployment comes from `ml.serving.targets.local.flavors` by the
 * model's flavor: the spec's `model.flavor`, or else the first flavor of the model's
 * `MLmodel` (in `model.localPath`, which the platform fills because this target sets
 * `needsLocalFiles`) that the config knows. A server is ready when `GET /ping` answers
 * 200; one that does not within `startTimeoutSeconds`, or exits, fails its deployment
 * with the reason and its last log lines, and is never routed to. A replayed `apply`
 * keeps running servers as they are and starts failed ones again.
 *
 * Serverless endpoints with `scaleToZeroAfterSeconds` (and `minReplicas` 0) stop a
 * deployment's server after that long without a `route` call; the next `route` starts
 * it again and reports the wait as `coldStartMs`.
 *
 * One process per deployment whatever the scaling says: the spec's scaling is recorded,
 * not enforced. The servers are the backend's children, stopped by `destroy` at
 * shutdown; a backend that is killed outright leaves them running until they are
 * stopped by hand. State lives in memory only: after a restart, the deployments service
 * applies each endpoint's spec again and the servers start afresh.
 *
 * @internal
 */
export class LocalServingTarget implements ServingTarget {
  readonly id = 'local';
  readonly needsLocalFiles = true;

  private readonly endpoints = new Map<string, LocalEndpoint>();
  /** Per endpoint, the tail of its apply/remove calls: one at a time each. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly exitHook = () => this.killAllNow();

  private constructor(
    private readonly settings: LocalServingSettings,
    private readonly logger: LoggerService,
  ) {
    process.once('exit', this.exitHook);
  }

  static create(options: {
    settings: LocalServingSettings;
    logger: LoggerService;
  }): LocalServingTarget {
    return new LocalServingTarget(options.settings, options.logger);
  }

  apply(spec: EndpointSpec): Promise<void> {
    return this.serialize(spec.name, () => this.applyNow(spec));
  }

  async status(endpointName: string): Promise<EndpointStatus> {
    const endpoint = this.endpoints.get(endpointName);
    if (!endpoint) return { state: 'not-found', deployments: [] };
    const deployments = [...endpoint.deployments.values()].map(d => ({
      name: d.name,
      state: d.state,
      ...(d.reason && { reason: d.reason }),
      replicas: d.state === 'ready' ? 1 : 0,
      ...(d.state === 'failed' && { logTail: d.logs.toString() }),
    }));
    const failed = deployments.find(d => d.state === 'failed');
    if (deployments.some(d => d.state === 'starting')) {
      return { state: 'updating', deployments };
    }
    if (failed) {
      return {
        state: 'failed',
        reason: `deployment ${failed.name}: ${failed.reason}`,
        deployments,
      };
    }
    return { state: 'ready', deployments };
  }

  remove(endpointName: string): Promise<void> {
    return this.serialize(endpointName, async () => {
      const endpoint = this.endpoints.get(endpointName);
      if (!endpoint) return;
      this.endpoints.delete(endpointName);
      await Promise.all(
        [...endpoint.deployments.values()].map(d => this.retire(d)),
      );
    });
  }

  async route(
    endpointName: string,
    deploymentName: string,
  ): Promise<{ url: string; coldStartMs?: number }> {
    const endpoint = this.endpoints.get(endpointName);
    const deployment = endpoint?.deployments.get(deploymentName);
    if (!endpoint || !deployment) {
      throw new NotFoundError(
        `Endpoint ${endpointName} has no deployment ${deploymentName} on the local serving target`,
      );
    }
    const scalesToZero = idleMs(endpoint.spec) !== undefined;
    const began = Date.now();
    let cold = false;
    if (deployment.state === 'scaled-to-zero') {
      cold = true;
      this.start(endpoint, deployment);
    }
    // Only a serverless endpoint holds requests through a start (a cold start); a
    // real-time deployment that is not ready yet is not routed to.
    if (deployment.state === 'starting' && (cold || scalesToZero)) {
      cold = true;
      await deployment.starting;
    }
    if (deployment.state !== 'ready' || !deployment.process) {
      throw new ServiceUnavailableError(
        `Deployment ${deploymentName} of endpoint ${endpointName} is ${
          deployment.state
        }${deployment.reason ? `: ${deployment.reason}` : ''}`,
      );
    }
    deployment.lastUsedAt = Date.now();
    return {
      url: deployment.process.url,
      ...(cold && { coldStartMs: Date.now() - began }),
    };
  }

  /** Stops every model server (the backend's shutdown). */
  async destroy(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    const all = [...this.endpoints.values()].flatMap(e => [
      ...e.deployments.values(),
    ]);
    this.endpoints.clear();
    await Promise.all(all.map(d => this.retire(d)));
  }

  private async applyNow(spec: EndpointSpec): Promise<void> {
    const names = spec.deployments.map(d => d.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) {
      throw new InputError(
        `Endpoint ${spec.name} lists the deployment ${duplicate} twice`,
      );
    }
    // Everything is resolved before anything changes: a bad model leaves the endpoint
    // as it was.
    const wanted = await Promise.all(
      spec.deployments.map(async d => ({
        deployment: d,
        ...(await this.resolveCommand(spec.name, d)),
      })),
    );
    let endpoint = this.endpoints.get(spec.name);
    if (!endpoint) {
      endpoint = { spec, deployments: new Map() };
      this.endpoints.set(spec.name, endpoint);
    }
    endpoint.spec = spec;
    const kept = new Set(names);
    const stopping: Promise<void>[] = [];
    for (const existing of endpoint.deployments.values()) {
      if (!kept.has(existing.name)) {
        endpoint.deployments.delete(existing.name);
        stopping.push(this.retire(existing));
      }
    }
    for (const { deployment, modelDir, flavor, command } of wanted) {
      const existing = endpoint.deployments.get(deployment.name);
      if (existing && sameServer(existing, { modelDir, flavor, command })) {
        // Running, starting or scaled to zero: an identical replay leaves it so. A
        // failed one gets another start, as does a scaled-to-zero one when the
        // endpoint no longer scales to zero.
        if (
          existing.state === 'failed' ||
          (existing.state === 'scaled-to-zero' && !idleMs(spec))
        ) {
          this.start(endpoint, existing);
        } else if (existing.state === 'ready') {
          this.scheduleIdleStop(endpoint, existing);
        }
        continue;
      }
      if (existing) stopping.push(this.retire(existing));
      const created: LocalDeployment = {
        name: deployment.name,
        modelDir,
        flavor,
        command,
        state: 'starting',
        logs: new LogTail(),
        lastUsedAt: Date.now(),
        retired: false,
      };
      endpoint.deployments.set(deployment.name, created);
      this.start(endpoint, created);
    }
    await Promise.all(stopping);
  }

  /** The flavor and command that serve a deployment's model; InputError when none can. */
  private async resolveCommand(endpointName: string, d: ServingDeployment) {
    const { model } = d;
    const label = `${model.name} version ${model.version}`;
    const modelDir = model.localPath;
    if (!modelDir) {
      throw new InputError(
        `Deployment ${d.name} of ${endpointName}: the local serving target needs the files of ${label} on this host (model.localPath)`,
      );
    }
    const configured = this.settings.flavors.map(f => f.flavor);
    let flavor = model.flavor;
    if (flavor === undefined) {
      const flavors = await readMlmodelFlavors(modelDir, label);
      flavor = flavors.find(f => configured.includes(f));
      if (!flavor) {
        throw new InputError(
          `${label} has the flavors [${flavors.join(
            ', ',
          )}] in its MLmodel; ml.serving.targets.local.flavors configures a command for [${configured.join(
            ', ',
          )}] only`,
        );
      }
    }
    const entry = this.settings.flavors.find(f => f.flavor === flavor);
    if (!entry) {
      throw new InputError(
        `${label} is to serve as the flavor ${flavor}, for which ml.serving.targets.local.flavors configures no command (configured: ${configured.join(
          ', ',
        )})`,
      );
    }
    return {
      modelDir,
      flavor,
      command: entry.command.map(arg => arg.replaceAll('{modelDir}', modelDir)),
    };
  }

  /** Starts the deployment's server in the background; `starting` settles when it is ready or failed. */
  private start(endpoint: LocalEndpoint, deployment: LocalDeployment) {
    deployment.state = 'starting';
    deployment.reason = undefined;
    // The log tail of a failure is the failed attempt's own.
    deployment.logs = new LogTail();
    const run = async () => {
      const began = Date.now();
      const port = await freePort();
      if (deployment.retired) return;
      const server = ServerProcess.start({
        command: deployment.command.map(arg =>
          arg.replaceAll('{port}', String(port)),
        ),
        cwd: this.settings.workingDirectory,
        env: this.environment(deployment, port),
        port,
        logs: deployment.logs,
      });
      deployment.process = server;
      server.exited.then(() => {
        // A server that dies after it was ready fails its deployment; a stop does not.
        if (
          server.crashed &&
          deployment.process === server &&
          !deployment.retired &&
          deployment.state === 'ready'
        ) {
          this.fail(endpoint, deployment, server.describeExit());
        }
      });
      try {
        await server.waitReady(this.settings.startTimeoutSeconds * 1000);
      } catch (error) {
        await server.stop(this.settings.stopGraceSeconds * 1000);
        throw error;
      }
      if (deployment.retired || deployment.process !== server) return;
      deployment.state = 'ready';
      deployment.lastUsedAt = Date.now();
      this.logger.info(
        `local serving: deployment ${deployment.name} of endpoint ${
          endpoint.spec.name
        } ready at ${server.url} after ${Date.now() - began} ms`,
      );
      this.scheduleIdleStop(endpoint, deployment);
    };
    const starting = run()
      .catch(error => {
        if (!deployment.retired) this.fail(endpoint, deployment, error.message);
      })
      .finally(() => {
        if (deployment.starting === starting) deployment.starting = undefined;
      });
    deployment.starting = starting;
  }

  private fail(
    endpoint: LocalEndpoint,
    deployment: LocalDeployment,
    reason: string,
  ) {
    deployment.state = 'failed';
    deployment.reason = reason;
    clearTimeout(deployment.idleTimer);
    this.logger.warn(
      `local serving: deployment ${deployment.name} of endpoint ${endpoint.spec.name} failed: ${reason}`,
    );
  }

  /** Stops the server once it has not been routed to for the endpoint's idle time. */
  private scheduleIdleStop(
    endpoint: LocalEndpoint,
    deployment: LocalDeployment,
  ) {
    clearTimeout(deployment.idleTimer);
    const idle = idleMs(endpoint.spec);
    if (idle === undefined) return;
    const check = () => {
      if (deployment.retired || deployment.state !== 'ready') return;
      const left = deployment.lastUsedAt + idle - Date.now();
      if (left > 0) {
        deployment.idleTimer = setTimeout(check, left);
        deployment.idleTimer.unref();
        return;
      }
      const server = deployment.process;
      deployment.process = undefined;
      deployment.state = 'scaled-to-zero';
      server?.stop(this.settings.stopGraceSeconds * 1000);
    };
    // From the last request, not from now: an apply replayed every few seconds must
    // not keep an idle server up.
    deployment.idleTimer = setTimeout(
      check,
      Math.max(0, deployment.lastUsedAt + idle - Date.now()),
    );
    deployment.idleTimer.unref();
  }

  /** Lets a deployment go: no more state changes, its server stopped. */
  private async retire(deployment: LocalDeployment) {
    deployment.retired = true;
    clearTimeout(deployment.idleTimer);
    const server = deployment.process;
    deployment.process = undefined;
    await server?.stop(this.settings.stopGraceSeconds * 1000);
  }

  private environment(deployment: LocalDeployment, port: number) {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      if (process.env[name]) env[name] = process.env[name]!;
    }
    env.PORT = String(port);
    env.MODEL_DIR = deployment.modelDir;
    return env;
  }

  private killAllNow() {
    for (const endpoint of this.endpoints.values()) {
      for (const deployment of endpoint.deployments.values()) {
        deployment.process?.killNow();
      }
    }
  }

  private serialize<T>(
    endpointName: string,
    task: () => Promise<T>,
  ): Promise<T> {
    const previous = this.queues.get(endpointName) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.queues.set(endpointName, next);
    const cleanup = () => {
      if (this.queues.get(endpointName) === next)
        this.queues.delete(endpointName);
    };
    next.then(cleanup, cleanup);
    return next;
  }
}

/** The idle time after which a serverless endpoint's deployments scale to zero. */
function idleMs(spec: EndpointSpec): number | undefined {
  const seconds = spec.scaling.scaleToZeroAfterSeconds;
  if (spec.kind !== 'serverless' || seconds === undefined) return undefined;
  if (spec.scaling.minReplicas > 0) return undefined;
  return seconds * 1000;
}

function sameServer(
  deployment: LocalDeployment,
  wanted: { modelDir: string; flavor: string; command: string[] },
) {
  return (
    deployment.modelDir === wanted.modelDir &&
    deployment.flavor === wanted.flavor &&
    deployment.command.join('\0') === wanted.command.join('\0')
  );
}

/** The flavors an MLmodel file lists, in its order. */
async function readMlmodelFlavors(
  modelDir: string,
  label: string,
): Promise<string[]> {
  const path = join(modelDir, 'MLmodel');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `${label} has no readable MLmodel file at ${path}: ${
        (error as Error).message
      }`,
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new InputError(
      `${path} is not valid YAML: ${(error as Error).message}`,
    );
  }
  const flavors = (parsed as { flavors?: unknown } | null)?.flavors;
  if (
    typeof flavors !== 'object' ||
    flavors === null ||
    Array.isArray(flavors)
  ) {
    throw new InputError(`${path} has no flavors mapping`);
  }
  return Object.keys(flavors);
}
