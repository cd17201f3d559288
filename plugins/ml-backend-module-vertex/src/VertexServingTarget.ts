import {
  EndpointServiceClient,
  ModelServiceClient,
  protos,
} from '@google-cloud/aiplatform';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import {
  EndpointSpec,
  EndpointStatus,
  ServingDeployment,
  ServingTarget,
  toPlatformName,
} from '@ml-portal/plugin-ml-node';
import { GCS_URI } from './config';
import { toVertexLabelValue } from './labels';
import { VertexServingSettings } from './servingConfig';
import {
  ALREADY_EXISTS,
  apiError,
  callVertex,
  errorCode,
  NOT_FOUND,
  vertexClientOptions,
} from './vertexApi';

type Endpoint = protos.google.cloud.aiplatform.v1.IEndpoint;
type DeployedModel = protos.google.cloud.aiplatform.v1.IDeployedModel;
type Model = protos.google.cloud.aiplatform.v1.IModel;
type Operation = protos.google.longrunning.IOperation;
/** A long-running operation as a call that started it returns it. */
type Started = { name?: string | null; done?: boolean | null };
type TrafficSplit = Record<string, number>;

/** Label keys tying Vertex resources to the portal (underscores: no quoting in filters). */
const LABEL_ENDPOINT = 'ml_portal_endpoint';
const LABEL_OWNER = 'ml_portal_owner';
const LABEL_DEPLOYMENT = 'ml_portal_deployment';
const LABEL_KIND = 'ml_portal_kind';

/** Vertex AI's rule for an endpoint id that starts with a letter. */
const ENDPOINT_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** In a DeployModel traffic split, the id that stands for the model being deployed. */
const NEW_DEPLOYED_MODEL = '0';
const MAX_DISPLAY_NAME_LENGTH = 128;

const SERVERLESS_NOTE =
  'Vertex AI online prediction does not scale to zero: each deployment keeps at least one replica';

/** One change that brings an endpoint closer to its spec; `apply` makes one per call. */
type Step =
  | { kind: 'deploy'; deployment: ServingDeployment }
  | { kind: 'resize'; deployment: ServingDeployment; deployed: DeployedModel }
  | { kind: 'undeploy'; deployed: DeployedModel }
  | { kind: 'traffic' };

/**
 * The Vertex AI endpoint id of a portal endpoint: its name when Vertex accepts it as an
 * id (it starts with a letter), else a normalised one that does. Chosen ids make endpoint
 * creation idempotent: a replayed `apply` gets the endpoint it created before.
 *
 * @public
 */
export function toVertexEndpointId(endpointName: string): string {
  const id = toPlatformName(endpointName, {
    valid: ENDPOINT_ID,
    allowed: /a-z0-9-/,
    maxLength: 62,
  }).toLowerCase();
  return /^[a-z]/.test(id) ? id : `e${id}`;
}

/**
 * The `vertex` serving target: one Vertex AI `Endpoint` per portal endpoint (its id
 * chosen from the portal name, see {@link toVertexEndpointId}) and per deployment one
 * uploaded `Model` (found again by its label) deployed to the endpoint as a
 * `DeployedModel` whose display name is the deployment's name, with the endpoint's
 * `trafficSplit` following the deployments' weights.
 *
 * - `apply` makes one change per call, and returns once it has started it: deploy a
 *   missing deployment (its traffic split sets the weights in the same call), resize one
 *   whose replica counts changed (`MutateDeployedModel`), undeploy one the spec no longer
 *   lists (its traffic moved to the others in the same call), or, when only the weights
 *   differ, `UpdateEndpoint` with the new `trafficSplit`. Deploying, resizing and
 *   undeploying are long-running operations, which Vertex AI runs one at a time on an
 *   endpoint: while one runs, `apply` changes nothing and `status` reports `updating`.
 *   So a spec that needs several changes (a first apply with a canary; a promotion that
 *   deploys one model, then undeploys the other) converges over the platform's
 *   periodic re-applies, and a replayed `apply` never deploys a model twice. Creating
 *   the endpoint and uploading a model are waited for (seconds to a minute), for at most
 *   `operationTimeoutSeconds`.
 * - Serverless endpoints: Vertex AI online prediction has no scale-to-zero, so each
 *   deployment keeps at least one replica, and `status` says so.
 * - A changed machine type or GPU count of an existing deployment is not applied
 *   (Vertex cannot mutate it; the deployment's name changes with its model version).
 *
 * @public
 */
export class VertexServingTarget implements ServingTarget {
  readonly id = 'vertex';
  /** Endpoints being removed, by resource name. */
  private readonly removals = new Map<string, Promise<void>>();

  private constructor(
    private readonly endpoints: EndpointServiceClient,
    private readonly models: ModelServiceClient,
    private readonly settings: VertexServingSettings,
    private readonly pollIntervalMs: number,
    private readonly removeWaitMs: number,
    private readonly logger?: LoggerService,
  ) {}

  /** Builds the target and its endpoint and model clients from `settings`. */
  static create(options: {
    settings: VertexServingSettings;
    logger?: LoggerService;
    /** How often a wait reads an operation again; 5 s unless a test says otherwise. */
    pollIntervalMs?: number;
    /** How long `remove` waits before it goes on in the background; 20 s by default. */
    removeWaitMs?: number;
  }): VertexServingTarget {
    const clientOptions = vertexClientOptions(options.settings.apiEndpoint);
    return new VertexServingTarget(
      new EndpointServiceClient(clientOptions),
      new ModelServiceClient(clientOptions),
      options.settings,
      options.pollIntervalMs ?? 5000,
      options.removeWaitMs ?? 20_000,
      options.logger,
    );
  }

  private get parent(): string {
    return `projects/${this.settings.project}/locations/${this.settings.location}`;
  }

  private endpointPath(endpointName: string): string {
    return `${this.parent}/endpoints/${toVertexEndpointId(endpointName)}`;
  }

  async apply(spec: EndpointSpec): Promise<void> {
    // Every deployment is checked before anything changes on Vertex AI.
    for (const deployment of spec.deployments) {
      this.buildModel(spec, deployment);
      this.buildDeployedModel(spec, deployment, '');
    }
    const deadline = this.deadline();
    const name = await this.ensureEndpoint(spec, deadline);
    const running = (await this.listOperations(name)).filter(o => !o.done);
    if (running.length > 0) {
      // Vertex AI changes an endpoint one operation at a time; a later apply goes on.
      this.logger?.debug(
        `vertex serving target leaves endpoint ${name} alone while ${running[0].name} runs`,
      );
      return;
    }
    const endpoint = await this.getEndpoint(name);
    if (!endpoint) {
      throw new ServiceUnavailableError(
        `Vertex AI endpoint ${name} of ${spec.name} disappeared while it was being applied`,
      );
    }
    const [step] = planSteps(spec, endpoint);
    if (step) {
      await this.run(step, spec, endpoint, deadline);
    }
  }

  async status(endpointName: string): Promise<EndpointStatus> {
    const endpoint = await this.getEndpoint(this.endpointPath(endpointName));
    if (!endpoint) {
      return {
        state: 'not-found',
        reason: 'no such Vertex AI endpoint',
        deployments: [],
      };
    }
    const split = endpoint.trafficSplit ?? {};
    const deployments = (endpoint.deployedModels ?? []).map(deployed => {
      const replicas = deployed.status?.availableReplicaCount ?? undefined;
      return {
        name: deployed.displayName ?? deployed.id ?? '',
        state: replicas === 0 ? ('starting' as const) : ('ready' as const),
        replicas,
        reason: `${split[deployed.id ?? ''] ?? 0}% of traffic`,
      };
    });
    const notes =
      endpoint.labels?.[LABEL_KIND] === 'serverless' ? [SERVERLESS_NOTE] : [];
    const operations = await this.listOperations(endpoint.name!);
    const running = operations.filter(operation => !operation.done);
    const failure = operations.find(operation => operation.error)?.error;
    const { protocol, host, port } = this.settings.apiEndpoint;
    const base = {
      url: `${protocol}://${host}${port === 443 ? '' : `:${port}`}/v1/${
        endpoint.name
      }:rawPredict`,
      deployments,
    };
    const reason = (text?: string) =>
      [text, ...notes].filter(Boolean).join('; ') || undefined;
    if (running.length > 0) {
      return {
        ...base,
        state: 'updating',
        reason: reason(
          `${running.length} Vertex AI operation(s) running on the endpoint`,
        ),
      };
    }
    if (deployments.length === 0) {
      // Nothing runs and nothing is deployed: the last deploy failed, or none started.
      return failure
        ? { ...base, state: 'failed', reason: reason(failure.message ?? '') }
        : { ...base, state: 'updating', reason: reason('no model deployed') };
    }
    return { ...base, state: 'ready', reason: reason() };
  }

  /**
   * Undeploys every model of the endpoint, one after the other (Vertex AI deletes no
   * endpoint with deployed models), then deletes the endpoint. Undeploying takes
   * minutes per model and `remove` runs in an HTTP request, so it returns after at
   * most `removeWaitMs` (what failed by then, such as a refused undeploy, throws) and the
   * rest goes on in this process; a later failure is logged as an error.
   */
  async remove(endpointName: string): Promise<void> {
    const name = this.endpointPath(endpointName);
    let removal = this.removals.get(name);
    if (!removal) {
      removal = this.removeNow(name, endpointName).finally(() =>
        this.removals.delete(name),
      );
      this.removals.set(name, removal);
      removal.catch(error =>
        this.logger?.error(
          `vertex serving target could not remove endpoint ${name}; it is left on Vertex AI: ${error}`,
        ),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>(resolve => {
      timer = setTimeout(resolve, this.removeWaitMs).unref();
    });
    await Promise.race([removal, waited]).finally(() => clearTimeout(timer));
  }

  private async removeNow(name: string, endpointName: string): Promise<void> {
    const deadline = this.deadline();
    for (;;) {
      await this.waitForRunningOperations(name, deadline);
      const endpoint = await this.getEndpoint(name);
      if (!endpoint) {
        return;
      }
      const [deployed] = endpoint.deployedModels ?? [];
      if (!deployed) {
        break;
      }
      const operation = await this.undeploy(endpoint, deployed, [
        ...weightsOf(endpoint).filter(([id]) => id !== deployed.id),
      ]);
      await this.waitForOperation(operation, deadline, true);
    }
    try {
      await this.endpoints.deleteEndpoint({ name });
      this.logger?.info(`vertex serving target deleting endpoint ${name}`);
    } catch (error) {
      if (errorCode(error) !== NOT_FOUND) {
        throw apiError('DeleteEndpoint', endpointName, error);
      }
    }
  }

  /** Closes the clients' connections. */
  async destroy(): Promise<void> {
    await Promise.all([this.endpoints.close(), this.models.close()]);
  }

  /** The Model a deployment uploads; throws `InputError` when Vertex could not serve it. */
  buildModel(spec: EndpointSpec, deployment: ServingDeployment): Model {
    const { model } = deployment;
    if (!GCS_URI.test(model.artifactUri)) {
      throw new InputError(
        `The vertex serving target needs model artifacts in Cloud Storage (gs://...); ${model.name} version ${model.version} is at '${model.artifactUri}'`,
      );
    }
    const flavor = model.flavor ?? 'python_function';
    const imageUri = model.image ?? this.settings.images[flavor];
    if (!imageUri) {
      throw new InputError(
        `The vertex serving target has no model server image for flavor '${flavor}'; configure ml.serving.targets.vertex.images.${flavor}`,
      );
    }
    if (!deployment.name || deployment.name.length > MAX_DISPLAY_NAME_LENGTH) {
      throw new InputError(
        `The vertex serving target needs deployment names of 1 to ${MAX_DISPLAY_NAME_LENGTH} characters`,
      );
    }
    return {
      displayName: deployment.name,
      artifactUri: model.artifactUri,
      containerSpec: {
        imageUri,
        predictRoute: this.settings.predictRoute,
        healthRoute: this.settings.healthRoute,
        ports: [{ containerPort: this.settings.port }],
      },
      labels: {
        ...this.labelsOf(spec),
        [LABEL_DEPLOYMENT]: toVertexLabelValue(deployment.name),
      },
    };
  }

  /** The DeployedModel of a deployment serving `modelName`. */
  buildDeployedModel(
    spec: EndpointSpec,
    deployment: ServingDeployment,
    modelName: string,
  ): DeployedModel {
    const machineType = spec.instanceType ?? this.settings.machineType;
    if (!machineType) {
      throw new InputError(
        `Endpoint '${spec.name}' names no instance type and ml.serving.targets.vertex.machineType is not set`,
      );
    }
    if (!Number.isInteger(spec.gpus) || spec.gpus < 0) {
      throw new InputError(`gpus must be a whole number, got ${spec.gpus}`);
    }
    if (spec.gpus > 0 && !this.settings.acceleratorType) {
      throw new InputError(
        `Endpoint '${spec.name}' asks for GPUs, but ml.serving.targets.vertex.acceleratorType is not set`,
      );
    }
    return {
      model: modelName,
      displayName: deployment.name,
      dedicatedResources: {
        machineSpec: {
          machineType,
          ...(spec.gpus > 0 && {
            acceleratorType: this.settings.acceleratorType,
            acceleratorCount: spec.gpus,
          }),
        },
        ...replicasOf(spec),
      },
      ...(this.settings.serviceAccount && {
        serviceAccount: this.settings.serviceAccount,
      }),
    };
  }

  private labelsOf(spec: EndpointSpec): Record<string, string> {
    return {
      [LABEL_ENDPOINT]: toVertexLabelValue(spec.name),
      [LABEL_OWNER]: toVertexLabelValue(spec.owner),
      [LABEL_KIND]: spec.kind,
    };
  }

  /** The endpoint's resource name; creates it (and waits for that) when missing. */
  private async ensureEndpoint(
    spec: EndpointSpec,
    deadline: number,
  ): Promise<string> {
    const name = this.endpointPath(spec.name);
    if (await this.getEndpoint(name)) {
      return name;
    }
    let operation;
    try {
      [operation] = await this.endpoints.createEndpoint({
        parent: this.parent,
        endpointId: toVertexEndpointId(spec.name),
        endpoint: { displayName: spec.name, labels: this.labelsOf(spec) },
      });
    } catch (error) {
      // A concurrent apply created it first.
      if (errorCode(error) !== ALREADY_EXISTS) {
        throw apiError('CreateEndpoint', spec.name, error);
      }
    }
    if (operation) {
      this.logger?.info(
        `vertex serving target creating endpoint ${name} for ${spec.name}`,
      );
      await this.waitForOperation(operation, deadline, true);
    }
    return name;
  }

  /** Starts one step, without waiting for its long-running operation. */
  private async run(
    step: Step,
    spec: EndpointSpec,
    endpoint: Endpoint,
    deadline: number,
  ): Promise<void> {
    const name = endpoint.name!;
    const present = new Map(
      (endpoint.deployedModels ?? []).map(d => [d.displayName, d.id!]),
    );
    /** The spec's weights of the deployments on the endpoint, by deployed model id. */
    const desired = (extra?: [name: string, id: string]) =>
      spec.deployments.flatMap(d => {
        const id = extra?.[0] === d.name ? extra[1] : present.get(d.name);
        return id === undefined ? [] : [[id, d.weight] as [string, number]];
      });

    switch (step.kind) {
      case 'deploy': {
        const { deployment } = step;
        const model = await this.ensureModel(spec, deployment, deadline);
        const trafficSplit = normalise(
          desired([deployment.name, NEW_DEPLOYED_MODEL]),
        );
        await callVertex('DeployModel', spec.name, () =>
          this.endpoints.deployModel({
            endpoint: name,
            deployedModel: this.buildDeployedModel(spec, deployment, model),
            trafficSplit,
          }),
        );
        this.logger?.info(
          `vertex serving target deploying ${deployment.name} (${model}) to endpoint ${name}`,
        );
        return;
      }
      case 'resize': {
        await callVertex('MutateDeployedModel', spec.name, () =>
          this.endpoints.mutateDeployedModel({
            endpoint: name,
            deployedModel: {
              id: step.deployed.id,
              dedicatedResources: {
                ...step.deployed.dedicatedResources,
                ...replicasOf(spec),
              },
            },
            updateMask: {
              paths: [
                'dedicated_resources.min_replica_count',
                'dedicated_resources.max_replica_count',
              ],
            },
          }),
        );
        this.logger?.info(
          `vertex serving target resizing ${step.deployment.name} on endpoint ${name}`,
        );
        return;
      }
      case 'undeploy':
        await this.undeploy(endpoint, step.deployed, desired());
        return;
      case 'traffic':
      default: {
        const trafficSplit = normalise(desired());
        await callVertex('UpdateEndpoint', spec.name, () =>
          this.endpoints.updateEndpoint({
            endpoint: { name, trafficSplit },
            updateMask: { paths: ['traffic_split'] },
          }),
        );
        this.logger?.info(
          `vertex serving target set the traffic split of endpoint ${name} to ${JSON.stringify(
            trafficSplit,
          )}`,
        );
        return;
      }
    }
  }

  private async undeploy(
    endpoint: Endpoint,
    deployed: DeployedModel,
    remaining: Array<[string, number]>,
  ): Promise<Started> {
    const [operation] = await callVertex(
      'UndeployModel',
      endpoint.displayName ?? endpoint.name!,
      () =>
        this.endpoints.undeployModel({
          endpoint: endpoint.name,
          deployedModelId: deployed.id,
          // The model must have no traffic once undeployed: the rest takes it.
          trafficSplit: normalise(remaining),
        }),
    );
    this.logger?.info(
      `vertex serving target undeploying ${deployed.displayName} from endpoint ${endpoint.name}`,
    );
    return operation;
  }

  /** The deployment's uploaded Model (found by its label), uploading it when missing. */
  private async ensureModel(
    spec: EndpointSpec,
    deployment: ServingDeployment,
    deadline: number,
  ): Promise<string> {
    const found = await this.findModel(deployment);
    if (found) {
      return found;
    }
    const [operation] = await callVertex('UploadModel', deployment.name, () =>
      this.models.uploadModel({
        parent: this.parent,
        model: this.buildModel(spec, deployment),
      }),
    );
    this.logger?.info(
      `vertex serving target uploading model ${deployment.name} from ${deployment.model.artifactUri}`,
    );
    await this.waitForOperation(operation, deadline, true);
    const uploaded = await this.findModel(deployment);
    if (!uploaded) {
      throw new ServiceUnavailableError(
        `Vertex AI finished uploading model ${deployment.name} but does not list it yet`,
      );
    }
    return uploaded;
  }

  private async findModel(
    deployment: ServingDeployment,
  ): Promise<string | undefined> {
    const filter = `labels.${LABEL_DEPLOYMENT}="${toVertexLabelValue(
      deployment.name,
    )}"`;
    const [models] = await callVertex('ListModels', deployment.name, () =>
      this.models.listModels({ parent: this.parent, filter }),
    );
    return models
      .filter(model => model.displayName === deployment.name)
      .map(model => model.name!)
      .sort()[0];
  }

  private async getEndpoint(name: string): Promise<Endpoint | undefined> {
    try {
      const [endpoint] = await this.endpoints.getEndpoint({ name });
      return endpoint;
    } catch (error) {
      if (errorCode(error) === NOT_FOUND) {
        return undefined;
      }
      throw apiError('GetEndpoint', name, error);
    }
  }

  private async listOperations(endpointName: string): Promise<Operation[]> {
    const operations: Operation[] = [];
    try {
      for await (const operation of this.endpoints.listOperationsAsync(
        {
          name: endpointName,
        } as protos.google.longrunning.ListOperationsRequest,
        // The async iterator pages by itself; gax warns unless this says so.
        { autoPaginate: false },
      )) {
        operations.push(operation as Operation);
      }
    } catch (error) {
      throw apiError('ListOperations', endpointName, error);
    }
    return operations;
  }

  private async waitForRunningOperations(
    endpointName: string,
    deadline: number,
  ): Promise<void> {
    const operations = await this.listOperations(endpointName);
    for (const operation of operations.filter(o => !o.done)) {
      // Their outcome shows in the endpoint, which the caller reads next.
      await this.waitForOperation(operation, deadline, false);
    }
  }

  /**
   * Polls an operation until it is done; a failed one throws when `mustSucceed`. Throws
   * `ServiceUnavailableError` at the deadline: the work goes on, a later call resumes.
   */
  private async waitForOperation(
    operation: Started,
    deadline: number,
    mustSucceed: boolean,
  ): Promise<void> {
    const name = operation.name!;
    let current: Operation = operation;
    while (!current.done) {
      if (Date.now() >= deadline) {
        throw new ServiceUnavailableError(
          `Vertex AI operation ${name} is still running after ${this.settings.operationTimeoutSeconds}s; apply again later`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, this.pollIntervalMs));
      [current] = await callVertex('GetOperation', name, () =>
        this.endpoints.getOperation({
          name,
        } as protos.google.longrunning.GetOperationRequest),
      );
    }
    if (current.error && mustSucceed) {
      throw Object.assign(
        new Error(
          `Vertex AI operation ${name} failed: ${current.error.message}`,
        ),
        { code: current.error.code },
      );
    }
  }

  private deadline(): number {
    return Date.now() + this.settings.operationTimeoutSeconds * 1000;
  }
}

/** The changes that bring `endpoint` to `spec`, in the order `apply` makes them. */
function planSteps(spec: EndpointSpec, endpoint: Endpoint): Step[] {
  const deployed = endpoint.deployedModels ?? [];
  const byName = new Map(deployed.map(d => [d.displayName, d]));
  const wanted = new Set(spec.deployments.map(d => d.name));
  const { minReplicaCount, maxReplicaCount } = replicasOf(spec);
  const steps: Step[] = [];
  for (const deployment of spec.deployments) {
    const current = byName.get(deployment.name);
    if (!current) {
      steps.push({ kind: 'deploy', deployment });
    } else if (
      Number(current.dedicatedResources?.minReplicaCount) !== minReplicaCount ||
      Number(current.dedicatedResources?.maxReplicaCount) !== maxReplicaCount
    ) {
      steps.push({ kind: 'resize', deployment, deployed: current });
    }
  }
  for (const current of deployed) {
    if (!wanted.has(current.displayName ?? '')) {
      steps.push({ kind: 'undeploy', deployed: current });
    }
  }
  const missing = steps.some(s => s.kind === 'deploy' || s.kind === 'undeploy');
  if (!missing) {
    const want = normalise(
      spec.deployments.map(d => [byName.get(d.name)!.id!, d.weight]),
    );
    if (!sameSplit(endpoint.trafficSplit ?? {}, want)) {
      steps.push({ kind: 'traffic' });
    }
  }
  return steps;
}

/** Replica counts: Vertex has no scale-to-zero, so at least one. */
function replicasOf(spec: EndpointSpec) {
  const minReplicaCount = Math.max(1, spec.scaling.minReplicas);
  return {
    minReplicaCount,
    maxReplicaCount: Math.max(minReplicaCount, spec.scaling.maxReplicas),
  };
}

/** The endpoint's current split, as entries. */
function weightsOf(endpoint: Endpoint): Array<[string, number]> {
  return Object.entries(endpoint.trafficSplit ?? {}).map(([id, weight]) => [
    id,
    Number(weight),
  ]);
}

/**
 * A traffic split that adds up to 100, as Vertex AI requires, from weights of a subset
 * of the deployments: scaled, with the rounding remainder on the heaviest; all to the
 * first when every weight is 0; empty when there is no entry.
 */
function normalise(entries: Array<[string, number]>): TrafficSplit {
  if (entries.length === 0) {
    return {};
  }
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (total === 0) {
    return Object.fromEntries(
      entries.map(([id], index) => [id, index === 0 ? 100 : 0]),
    );
  }
  const scaled = entries.map(
    ([id, weight]) => [id, Math.floor((weight * 100) / total)] as const,
  );
  const remainder = 100 - scaled.reduce((sum, [, weight]) => sum + weight, 0);
  const heaviest = entries.reduce(
    (best, entry, index) => (entry[1] > entries[best][1] ? index : best),
    0,
  );
  return Object.fromEntries(
    scaled.map(([id, weight], index) => [
      id,
      index === heaviest ? weight + remainder : weight,
    ]),
  );
}

/** Whether two splits send the same share to every deployed model (absent = 0). */
function sameSplit(
  current: Record<string, number>,
  want: TrafficSplit,
): boolean {
  const ids = new Set([...Object.keys(current), ...Object.keys(want)]);
  return [...ids].every(
    id => Number(current[id] ?? 0) === Number(want[id] ?? 0),
  );
}
