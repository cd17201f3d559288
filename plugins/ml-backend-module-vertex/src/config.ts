import { Config } from '@backstage/config';

/**
 * Where the target reaches the Vertex AI API.
 *
 * @public
 */
export type VertexApiEndpoint = {
  host: string;
  port: number;
  /** `http` only for local fakes and tests. */
  protocol: 'https' | 'http';
};

/**
 * Settings of the `vertex` compute target, read from `ml.targets.vertex`.
 *
 * @public
 */
export type VertexTargetSettings = {
  project: string;
  location: string;
  /** `gs://bucket/prefix` without a trailing slash; each job writes below `<this>/<attempt>`. */
  baseOutputDirectory: string;
  /** The service account the jobs run as. */
  serviceAccount?: string;
  network?: string;
  apiEndpoint: VertexApiEndpoint;
};

/** A project id (6 to 30 characters), optionally domain-scoped (`example.com:my-project`). */
const PROJECT_ID =
  /^([a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** A Google Cloud region, e.g. `europe-west4`, `us-central1`, `northamerica-northeast1`. */
export const GCP_LOCATION = /^[a-z]+(-[a-z]+)+\d+$/;
/** A Cloud Storage URI, `gs://bucket[/object prefix]`. */
export const GCS_URI = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/;
/** @internal */
export const SERVICE_ACCOUNT =
  /^[a-z0-9._-]+@[a-z0-9.-]+\.gserviceaccount\.com$/;
const NETWORK = /^projects\/\d+\/global\/networks\/[a-z]([-a-z0-9]*[a-z0-9])?$/;
const HOST_PORT = /^([a-z0-9.-]+|\[[0-9a-f:]+\])(:(\d{1,5}))?$/i;

/**
 * Reads `ml.targets.vertex`; `undefined` when the section is absent. Throws on invalid
 * settings, so a misconfigured target stops the backend at startup rather than failing
 * every dispatch.
 *
 * @public
 */
export function readVertexTargetSettings(
  config: Config,
): VertexTargetSettings | undefined {
  const section = config.getOptionalConfig('ml.targets.vertex');
  if (!section) {
    return undefined;
  }
  const { project, location, apiEndpoint, check } = readVertexProject(
    section,
    'ml.targets.vertex',
  );
  const baseOutputDirectory = check(
    'baseOutputDirectory',
    section.getString('baseOutputDirectory'),
    GCS_URI,
    'a gs://bucket/prefix URI',
  ).replace(/\/+$/, '');

  const serviceAccount = section.getOptionalString('serviceAccount');
  if (serviceAccount !== undefined) {
    check(
      'serviceAccount',
      serviceAccount,
      SERVICE_ACCOUNT,
      'a service account email (<name>@<project>.iam.gserviceaccount.com)',
    );
  }
  const network = section.getOptionalString('network');
  if (network !== undefined) {
    check(
      'network',
      network,
      NETWORK,
      'a network name projects/<project number>/global/networks/<name>',
    );
  }

  return {
    project,
    location,
    baseOutputDirectory,
    serviceAccount,
    network,
    apiEndpoint,
  };
}

/**
 * The project, location and API endpoint of a Vertex AI section (`ml.targets.vertex`,
 * `ml.serving.targets.vertex`), and the check the rest of the section uses: a value
 * that breaks its rule throws, naming the key.
 *
 * @internal
 */
export function readVertexProject(section: Config, prefix: string) {
  const check = (name: string, value: string, rule: RegExp, what: string) => {
    if (!rule.test(value)) {
      throw new Error(`${prefix}.${name} must be ${what}, got '${value}'`);
    }
    return value;
  };
  const project = check(
    'project',
    section.getString('project'),
    PROJECT_ID,
    'a Google Cloud project id (6 to 30 lowercase letters, digits and hyphens)',
  );
  const location = check(
    'location',
    section.getString('location'),
    GCP_LOCATION,
    'a Vertex AI region such as europe-west4',
  );
  const apiEndpoint = parseApiEndpoint(
    section.getOptionalString('apiEndpoint') ??
      `${location}-aiplatform.googleapis.com`,
    `${prefix}.apiEndpoint`,
  );
  return { project, location, apiEndpoint, check };
}

/** `host`, `host:port`, `https://host[:port]` or `http://host:port`; no path. */
function parseApiEndpoint(value: string, key: string): VertexApiEndpoint {
  const [, scheme, rest] = /^(?:(https?):\/\/)?(.*?)\/?$/i.exec(value)!;
  const match = HOST_PORT.exec(rest);
  const protocol = (scheme?.toLowerCase() ?? 'https') as 'https' | 'http';
  const defaultPort = protocol === 'https' ? 443 : undefined;
  const port = match?.[3] ? Number(match[3]) : defaultPort;
  if (!match || port === undefined || port < 1 || port > 65535) {
    throw new Error(
      `${key} must be host[:port], https://host[:port] or http://host:port, got '${value}'`,
    );
  }
  return { host: match[1], port, protocol };
}
