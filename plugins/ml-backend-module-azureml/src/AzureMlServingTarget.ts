import {
  AzureMachineLearningWorkspaces,
  ManagedOnlineDeployment,
  OnlineDeployment,
  OnlineEndpoint,
} from '@azure/arm-machinelearning';
import { TokenCredential } from '@azure/core-auth';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  EndpointSpec,
  EndpointStatus,
  ServingDeployment,
  ServingTarget,
  toPlatformName,
} from '@ml-portal/plugin-ml-node';
import { AZURE_STORAGE_URI } from './jobSpec';
import { AzureMlServingSettings } from './servingConfig';
import {
  azureMlError,
  createWorkspaceClient,
  isResourceMissing,
  readOptional,
} from './workspaceClient';

/** Tag keys tying Azure ML endpoints and deployments to the portal. */
const TAG_ENDPOINT = 'ml.platform/endpoint';
const TAG_OWNER = 'ml.platform/owner';
const TAG_KIND = 'ml.platform/kind';
const TAG_DEPLOYMENT = 'ml.platform/deployment';

/** Provisioning states in which Azure ML is still changing a resource. */
const CHANGING = new Set(['Creating', 'Updating', 'Scaling', 'Deleting']);
const FAILED = new Set(['Failed', 'Canceled']);
/** Model assets: `azureml:<name>:<version>`, in a registry, or an ARM id. */
const MODEL_ASSET =
  /^(azureml:[a-z0-9][\w.-]*:[\w.-]+|azureml:\/\/registries\/[^/\s]+\/models\/[^/\s]+\/versions\/[^/\s]+|\/subscriptions\/\S+\/models\/[^/\s]+\/versions\/[^/\s]+)$/i;
const LOG_TAIL_LINES = 50;

const NO_SCALE_TO_ZERO =
  'Azure ML managed online endpoints do not scale to zero: each deployment keeps at least one instance';

/** A deployment's PUT body, but for the workspace's location. */
type DeploymentBody = Omit<OnlineDeployment, 'location'> & {
  properties: ManagedOnlineDeployment;
};

/** One change that brings an endpoint closer to its spec; `apply` makes one per call. */
type Step =
  | { kind: 'endpoint' }
  | { kind: 'deploy'; deployment: ServingDeployment }
  | { kind: 'traffic'; traffic: Record<string, number> }
  | { kind: 'delete'; name: string };

/**
 * The Azure ML name of a portal endpoint or deployment: unchanged when Azure ML accepts
 * it (3-32 letters, digits and hyphens, starting with a letter), else normalised with a
 * hash of the original (see `toPlatformName`), so every call finds the same resource.
 *
 * @public
 */
export function toAzureMlOnlineName(name: string): string {
  const normalised = toPlatformName(name, {
    valid: /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/,
    allowed: /a-zA-Z0-9-/,
    maxLength: 31,
  });
  return /^[a-zA-Z]/.test(normalised) ? normalised : `e${normalised}`;
}

/**
 * The `azureml` serving target: one Azure ML managed online endpoint per portal endpoint
 * (key auth, named by {@link toAzureMlOnlineName}) and one managed online deployment per
 * deployment, serving the version's MLflow model, with the endpoint's `traffic` map
 * following the weights.
 *
 * - The model: an Azure ML model asset when the version's artifact URI is one
 *   (`azureml:<name>:<version>`, `azureml://registries/...`, an ARM id); otherwise the
 *   artifacts, which must be in Azure storage, are registered as model version
 *   `<name>/<version>` of the workspace (type `mlflow_model`; versions are immutable, so
 *   registering again is a no-op). The deployment gets the flavor's configured
 *   environment, or none: Azure ML deploys MLflow models without one.
 * - `apply` makes one change per call and returns once Azure ML accepted it, as each
 *   takes minutes: create the endpoint; create (or update, when its model, environment
 *   or instance count changed) one deployment; set the endpoint's traffic (a PUT of the
 *   endpoint, which is how Azure ML changes traffic) once every deployment of the spec
 *   exists; delete one deployment the spec no longer lists, once it has no traffic.
 *   While the endpoint or a deployment is still provisioning, `apply` changes nothing
 *   and `status` reports `updating`; the platform's periodic re-applies converge the
 *   rest, a replayed `apply` repeats nothing, and an applied spec changes nothing.
 * - Scaling: managed deployments scale by instance count (`sku.capacity`, the spec's
 *   minimum, at least one) with `scaleSettings` `Default`; autoscaling up to the maximum
 *   is Azure Monitor's and not configured here. There is no scale-to-zero.
 *
 * @public
 */
export class AzureMlServingTarget implements ServingTarget {
  readonly id = 'azureml';
  private readonly workspaceId: string;
  private location?: string;
  private readonly registeredModels = new Set<string>();

  private constructor(
    private readonly client: AzureMachineLearningWorkspaces,
    private readonly settings: AzureMlServingSettings,
    private readonly logger?: LoggerService,
  ) {
    const { subscriptionId, resourceGroup, workspace } = settings;
    this.workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
  }

  /** Builds the target and its workspace client (the compute target's, see `createWorkspaceClient`). */
  static create(options: {
    settings: AzureMlServingSettings;
    credential: TokenCredential;
    logger?: LoggerService;
  }): AzureMlServingTarget {
    const { client } = createWorkspaceClient(options);
    return new AzureMlServingTarget(client, options.settings, options.logger);
  }

  async apply(spec: EndpointSpec): Promise<void> {
    // Every deployment is checked before anything changes on Azure ML.
    const bodies = new Map(
      spec.deployments.map(d => [d.name, this.buildDeployment(spec, d)]),
    );
    const name = toAzureMlOnlineName(spec.name);
    const endpoint = await this.getEndpoint(name);
    const deployments = endpoint ? await this.listDeployments(name) : [];
    const busy =
      CHANGING.has(endpoint?.properties.provisioningState ?? '') ||
      deployments.some(d => CHANGING.has(d.properties.provisioningState ?? ''));
    if (busy) {
      this.logger?.debug(
        `azureml serving target leaves endpoint ${name} alone while it provisions`,
      );
      return;
    }
    const step = nextStep(spec, endpoint, deployments, bodies);
    if (!step) {
      return;
    }
    const { resourceGroup, workspace } = this.settings;
    const location = await this.workspaceLocation();
    await this.call(`apply ${step.kind} of endpoint ${name}`, async () => {
      switch (step.kind) {
        case 'endpoint':
          await this.client.onlineEndpoints.beginCreateOrUpdate(
            resourceGroup,
            workspace,
            name,
            {
              location,
              tags: {
                [TAG_ENDPOINT]: spec.name,
                [TAG_OWNER]: spec.owner,
                [TAG_KIND]: spec.kind,
              },
              properties: {
                authMode: 'Key',
                traffic: endpoint?.properties.traffic ?? {},
              },
            },
          );
          this.logger?.info(
            `azureml serving target creating endpoint ${name} for ${spec.name}`,
          );
          return;
        case 'traffic':
          // Azure ML changes traffic by a PUT of the whole endpoint: the one it has,
          // identity included, with the new map (read-only fields are not sent).
          await this.client.onlineEndpoints.beginCreateOrUpdate(
            resourceGroup,
            workspace,
            name,
            {
              ...endpoint!,
              properties: { ...endpoint!.properties, traffic: step.traffic },
            },
          );
          this.logger?.info(
            `azureml serving target set the traffic of endpoint ${name} to ${JSON.stringify(
              step.traffic,
            )}`,
          );
          return;
        case 'deploy': {
          const { deployment } = step;
          const body = bodies.get(deployment.name)!;
          await this.registerModel(deployment);
          await this.client.onlineDeployments.beginCreateOrUpdate(
            resourceGroup,
            workspace,
            name,
            toAzureMlOnlineName(deployment.name),
            { ...body, location },
          );
          this.logger?.info(
            `azureml serving target deploying ${deployment.name} (${body.properties.model}) to endpoint ${name}`,
          );
          return;
        }
        case 'delete':
        default:
          await this.client.onlineDeployments.beginDelete(
            resourceGroup,
            workspace,
            name,
            step.name,
          );
          this.logger?.info(
            `azureml serving target deleting deployment ${step.name} of endpoint ${name}`,
          );
      }
    });
  }

  async status(endpointName: string): Promise<EndpointStatus> {
    const name = toAzureMlOnlineName(endpointName);
    const endpoint = await this.getEndpoint(name);
    if (!endpoint) {
      return {
        state: 'not-found',
        reason: 'no such Azure ML online endpoint',
        deployments: [],
      };
    }
    const traffic = endpoint.properties.traffic ?? {};
    const deployments = await Promise.all(
      (
        await this.listDeployments(name)
      ).map(async d => {
        const state = d.properties.provisioningState ?? '';
        const failed = FAILED.has(state);
        return {
          name: d.tags?.[TAG_DEPLOYMENT] ?? d.name!,
          state: deploymentState(state),
          replicas: d.sku?.capacity,
          reason: failed
            ? `Azure ML deployment ${state.toLowerCase()}`
            : `${traffic[d.name!] ?? 0}% of traffic`,
          ...(failed && { logTail: await this.logTail(name, d.name!) }),
        };
      }),
    );
    const notes =
      endpoint.tags?.[TAG_KIND] === 'serverless' ? [NO_SCALE_TO_ZERO] : [];
    const reason = (text?: string) =>
      [text, ...notes].filter(Boolean).join('; ') || undefined;
    const base = { url: endpoint.properties.scoringUri, deployments };
    const endpointState = endpoint.properties.provisioningState ?? '';
    if (FAILED.has(endpointState)) {
      return {
        ...base,
        state: 'failed',
        reason: reason(`Azure ML endpoint ${endpointState.toLowerCase()}`),
      };
    }
    if (CHANGING.has(endpointState)) {
      return {
        ...base,
        state: 'updating',
        reason: reason(`endpoint ${endpointState.toLowerCase()}`),
      };
    }
    if (
      deployments.length > 0 &&
      deployments.every(d => d.state === 'failed')
    ) {
      return {
        ...base,
        state: 'failed',
        reason: reason('every deployment failed'),
      };
    }
    const changing = deployments.filter(d => d.state === 'starting');
    if (deployments.length === 0 || changing.length > 0) {
      return {
        ...base,
        state: 'updating',
        reason: reason(
          deployments.length === 0
            ? 'no deployment yet'
            : `${changing.map(d => d.name).join(', ')} provisioning`,
        ),
      };
    }
    return { ...base, state: 'ready', reason: reason() };
  }

  /** Starts deleting the endpoint, which deletes its deployments with it. */
  async remove(endpointName: string): Promise<void> {
    const name = toAzureMlOnlineName(endpointName);
    try {
      await this.client.onlineEndpoints.beginDelete(
        this.settings.resourceGroup,
        this.settings.workspace,
        name,
      );
      this.logger?.info(`azureml serving target deleting endpoint ${name}`);
    } catch (error) {
      if (!isResourceMissing(error)) {
        throw azureMlError(
          this.settings.workspace,
          `delete endpoint ${name}`,
          error,
        );
      }
    }
  }

  /** The deployment's PUT body (without location); throws `InputError` when Azure ML could not serve it. */
  buildDeployment(
    spec: EndpointSpec,
    deployment: ServingDeployment,
  ): DeploymentBody {
    const instanceType = spec.instanceType ?? this.settings.instanceType;
    if (!instanceType) {
      throw new InputError(
        `Endpoint '${spec.name}' names no instance type and ml.serving.targets.azureml.instanceType is not set`,
      );
    }
    if (deployment.model.image) {
      throw new InputError(
        'The azureml serving target serves models in environments per flavor (ml.serving.targets.azureml.environments), not images',
      );
    }
    const flavor = deployment.model.flavor ?? 'python_function';
    const environmentId = this.settings.environments[flavor];
    return {
      tags: { [TAG_DEPLOYMENT]: deployment.name },
      sku: { name: 'Default', capacity: Math.max(1, spec.scaling.minReplicas) },
      properties: {
        endpointComputeType: 'Managed',
        model: this.modelIdOf(deployment),
        instanceType,
        scaleSettings: { scaleType: 'Default' },
        ...(environmentId && { environmentId }),
      },
    };
  }

  /** The model asset a deployment serves. */
  private modelIdOf({ model }: ServingDeployment): string {
    if (MODEL_ASSET.test(model.artifactUri)) {
      return model.artifactUri;
    }
    if (!AZURE_STORAGE_URI.test(model.artifactUri)) {
      throw new InputError(
        `The azureml serving target needs a model asset or artifacts in Azure storage (azureml://datastores/..., https://<account>.blob.core.windows.net/..., abfss://); ${model.name} version ${model.version} is at '${model.artifactUri}'`,
      );
    }
    return `${this.workspaceId}/models/${modelAssetName(model.name)}/versions/${
      model.version
    }`;
  }

  /** Registers the version's artifacts as a model asset, once per process. */
  private async registerModel({ model }: ServingDeployment): Promise<void> {
    if (MODEL_ASSET.test(model.artifactUri)) {
      return;
    }
    const assetName = modelAssetName(model.name);
    const key = `${assetName}/${model.version}`;
    if (this.registeredModels.has(key)) {
      return;
    }
    await this.client.modelVersions.createOrUpdate(
      this.settings.resourceGroup,
      this.settings.workspace,
      assetName,
      model.version,
      {
        properties: {
          modelUri: model.artifactUri,
          modelType: 'mlflow_model',
          description: `Version ${model.version} of ${model.name}, registered by the ML portal`,
        },
      },
    );
    this.registeredModels.add(key);
  }

  private async workspaceLocation(): Promise<string> {
    if (!this.location) {
      const workspace = await this.call('read the workspace', () =>
        this.client.workspaces.get(
          this.settings.resourceGroup,
          this.settings.workspace,
        ),
      );
      this.location = workspace.location;
    }
    return this.location!;
  }

  private getEndpoint(name: string): Promise<OnlineEndpoint | undefined> {
    return readOptional(this.settings.workspace, `read endpoint ${name}`, () =>
      this.client.onlineEndpoints.get(
        this.settings.resourceGroup,
        this.settings.workspace,
        name,
      ),
    );
  }

  private async listDeployments(endpointName: string) {
    return this.call(`list the deployments of ${endpointName}`, async () => {
      const deployments: OnlineDeployment[] = [];
      for await (const deployment of this.client.onlineDeployments.list(
        this.settings.resourceGroup,
        this.settings.workspace,
        endpointName,
      )) {
        deployments.push(deployment);
      }
      return deployments;
    });
  }

  /** The model server's last lines, best effort: the status stands without them. */
  private async logTail(
    endpointName: string,
    deploymentName: string,
  ): Promise<string | undefined> {
    try {
      const { content } = await this.client.onlineDeployments.getLogs(
        this.settings.resourceGroup,
        this.settings.workspace,
        endpointName,
        deploymentName,
        { containerType: 'InferenceServer', tail: LOG_TAIL_LINES },
      );
      return content;
    } catch (error) {
      this.logger?.warn(
        `azureml serving target could not read the logs of ${endpointName}/${deploymentName}: ${error}`,
      );
      return undefined;
    }
  }

  private async call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw azureMlError(this.settings.workspace, action, error);
    }
  }
}

function deploymentState(provisioningState: string) {
  if (FAILED.has(provisioningState)) return 'failed' as const;
  return provisioningState === 'Succeeded'
    ? ('ready' as const)
    : ('starting' as const);
}

/** The next change that brings the endpoint to `spec`, if any. */
function nextStep(
  spec: EndpointSpec,
  endpoint: OnlineEndpoint | undefined,
  deployments: OnlineDeployment[],
  bodies: Map<string, DeploymentBody>,
): Step | undefined {
  if (!endpoint || FAILED.has(endpoint.properties.provisioningState ?? '')) {
    return { kind: 'endpoint' };
  }
  const byName = new Map(deployments.map(d => [d.name!, d]));
  for (const deployment of spec.deployments) {
    const current = byName.get(toAzureMlOnlineName(deployment.name));
    if (!current || differs(current, bodies.get(deployment.name)!)) {
      return { kind: 'deploy', deployment };
    }
  }
  const traffic = Object.fromEntries(
    spec.deployments.map(d => [toAzureMlOnlineName(d.name), d.weight]),
  );
  const current = endpoint.properties.traffic ?? {};
  const names = new Set([...Object.keys(current), ...Object.keys(traffic)]);
  if ([...names].some(n => (current[n] ?? 0) !== (traffic[n] ?? 0))) {
    return { kind: 'traffic', traffic };
  }
  const extra = deployments.find(d => !(d.name! in traffic));
  return extra ? { kind: 'delete', name: extra.name! } : undefined;
}

/**
 * Whether a deployment on Azure ML serves another model or environment, or another
 * number of instances, than its spec asks for. A failed one stays as it is: a new
 * version gets a new deployment.
 */
function differs(current: OnlineDeployment, wanted: DeploymentBody): boolean {
  if (FAILED.has(current.properties.provisioningState ?? '')) {
    return false;
  }
  const a = current.properties;
  const b = wanted.properties;
  return (
    a.model !== b.model ||
    (a.environmentId ?? undefined) !== (b.environmentId ?? undefined) ||
    current.sku?.capacity !== wanted.sku?.capacity
  );
}

/** Azure ML's rule for model asset names: letters, digits, `-`, `_` and `.`. */
function modelAssetName(name: string): string {
  return toPlatformName(name, {
    valid: /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/,
    allowed: /a-zA-Z0-9\-_./,
    maxLength: 255,
  });
}
