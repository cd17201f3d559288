import { Config } from '@backstage/config';

/**
 * The Azure ML workspace a target works in, and where Azure Resource Manager is.
 *
 * @public
 */
export type AzureMlWorkspace = {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** Azure Resource Manager endpoint, without a trailing slash. */
  endpoint: string;
};

/**
 * Settings of the `azureml` compute target, read from `ml.targets.azureml`.
 *
 * @public
 */
export type AzureMlTargetSettings = AzureMlWorkspace & {
  /** Environment of jobs that bring no image. */
  environment?: string;
  experimentName: string;
  /** Datastore of checkpoint locations given as relative paths. */
  checkpointDatastore: string;
};

/** The public cloud's Azure Resource Manager endpoint. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

const GUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;
/** Azure's rule for resource group names: 1-90 of letters, digits, `_-.()`, not ending in `.`. */
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]{0,89}[-\w()\p{L}\p{N}]$/u;
const WORKSPACE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;
const EXPERIMENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,255}$/;
const DATASTORE = /^[a-zA-Z0-9_]{1,255}$/;
/** The forms Azure ML accepts for an environment: `azureml:` references and ARM ids. */
/** @internal */
export const ENVIRONMENT =
  /^(azureml:\S+|\/subscriptions\/\S+\/environments\/\S+)$/i;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Reads `ml.targets.azureml`; `undefined` when the section is absent. Throws on invalid
 * settings, so a misconfigured target stops the backend at startup rather than failing
 * every dispatch.
 *
 * @public
 */
export function readAzureMlTargetSettings(
  config: Config,
): AzureMlTargetSettings | undefined {
  const section = config.getOptionalConfig('ml.targets.azureml');
  if (!section) {
    return undefined;
  }
  const { matching, ...workspace } = readAzureMlWorkspace(
    section,
    'ml.targets.azureml',
  );
  const environment = section.has('environment')
    ? matching(
        'environment',
        ENVIRONMENT,
        'an Azure ML environment (azureml:<name>:<version>, azureml://registries/... or an ARM id)',
      )
    : undefined;
  const experimentName = section.has('experimentName')
    ? matching(
        'experimentName',
        EXPERIMENT_NAME,
        'an Azure ML experiment name (letters, digits, _ and -)',
      )
    : 'ml-portal';
  const checkpointDatastore = section.has('checkpointDatastore')
    ? matching(
        'checkpointDatastore',
        DATASTORE,
        'an Azure ML datastore name (letters, digits and _)',
      )
    : 'workspaceblobstore';

  return { ...workspace, environment, experimentName, checkpointDatastore };
}

/**
 * The workspace and ARM endpoint of an Azure ML section (`ml.targets.azureml`,
 * `ml.serving.targets.azureml`), and the check the rest of the section uses: a string
 * that does not match its pattern throws, naming the key.
 *
 * @internal
 */
export function readAzureMlWorkspace(section: Config, prefix: string) {
  const matching = (name: string, pattern: RegExp, what: string) => {
    const value = section.getString(name);
    if (!pattern.test(value)) {
      throw new Error(`${prefix}.${name} must be ${what}, got '${value}'`);
    }
    return value;
  };
  return {
    subscriptionId: matching(
      'subscriptionId',
      GUID,
      'a subscription id (a GUID)',
    ),
    resourceGroup: matching(
      'resourceGroup',
      RESOURCE_GROUP,
      'a resource group name',
    ),
    workspace: matching(
      'workspace',
      WORKSPACE,
      'an Azure ML workspace name (3-33 letters, digits, _ and -)',
    ),
    endpoint: armEndpoint(
      section.getOptionalString('endpoint'),
      `${prefix}.endpoint`,
    ),
    matching,
  };
}

/**
 * Whether `url` is plain http to this machine, the one case where the target sends its
 * bearer token without TLS (local fakes).
 */
export function isLoopbackHttp(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'http:' && LOOPBACK_HOSTS.has(hostname);
  } catch {
    return false;
  }
}

function armEndpoint(value: string | undefined, key: string): string {
  if (value === undefined) {
    return DEFAULT_ARM_ENDPOINT;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${key} must be a URL, got '${value}'`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(value)) {
    throw new Error(
      `${key} must be an https URL (http only on localhost), got '${value}'`,
    );
  }
  if (url.search || url.hash || url.username) {
    throw new Error(`${key} must be a plain base URL, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}
