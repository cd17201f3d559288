import { protos } from '@google-cloud/aiplatform';
import { Config } from '@backstage/config';
import {
  readVertexProject,
  SERVICE_ACCOUNT,
  VertexApiEndpoint,
} from './config';

type AcceleratorType =
  keyof typeof protos.google.cloud.aiplatform.v1.AcceleratorType;

/**
 * Settings of the `vertex` serving target, read from `ml.serving.targets.vertex`.
 *
 * @public
 */
export type VertexServingSettings = {
  project: string;
  location: string;
  apiEndpoint: VertexApiEndpoint;
  /** Model server image per MLmodel flavor, for models whose endpoint names no image. */
  images: Record<string, string>;
  /** Machine type of endpoints that name none, e.g. `n1-standard-4`. */
  machineType?: string;
  /** Vertex AI accelerator of endpoints with GPUs, e.g. `NVIDIA_L4`. */
  acceleratorType?: AcceleratorType;
  /** The model server's routes and port (an MLflow scoring server's by default). */
  predictRoute: string;
  healthRoute: string;
  port: number;
  /** The service account the model servers run as. */
  serviceAccount?: string;
  /** How long `apply` waits for an endpoint or model upload, and `remove` for each undeploy. */
  operationTimeoutSeconds: number;
};

const KEY = 'ml.serving.targets.vertex';
/** An image in Artifact Registry, Container Registry or any registry Vertex can pull. */
const IMAGE =
  /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/;
const FLAVOR = /^[a-z][a-z0-9_.]*$/;
const MACHINE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
const ROUTE = /^\/[A-Za-z0-9_./-]*$/;

/**
 * Reads `ml.serving.targets.vertex`; `undefined` when the section is absent. Project,
 * location and API endpoint follow the compute target's rules. Throws on invalid
 * settings, so a misconfigured target stops the backend at startup.
 *
 * @public
 */
export function readVertexServingSettings(
  config: Config,
): VertexServingSettings | undefined {
  const section = config.getOptionalConfig(KEY);
  if (!section) {
    return undefined;
  }
  const { project, location, apiEndpoint, check } = readVertexProject(
    section,
    KEY,
  );
  const optional = (name: string, rule: RegExp, what: string) => {
    const value = section.getOptionalString(name);
    return value === undefined ? undefined : check(name, value, rule, what);
  };

  const imagesSection = section.getOptionalConfig('images');
  const images: Record<string, string> = {};
  for (const flavor of imagesSection?.keys() ?? []) {
    check(`images`, flavor, FLAVOR, 'keyed by MLmodel flavor names');
    images[flavor] = check(
      `images.${flavor}`,
      imagesSection!.getString(flavor),
      IMAGE,
      'a container image reference with a tag or digest',
    );
  }
  const acceleratorType = optional(
    'acceleratorType',
    /^[A-Z0-9_]+$/,
    'a Vertex AI accelerator type such as NVIDIA_L4',
  );
  if (
    acceleratorType !== undefined &&
    !(acceleratorType in protos.google.cloud.aiplatform.v1.AcceleratorType)
  ) {
    throw new Error(
      `${KEY}.acceleratorType must be a Vertex AI accelerator type such as NVIDIA_L4, got '${acceleratorType}'`,
    );
  }
  const port = section.getOptionalNumber('port') ?? 8080;
  const timeout = section.getOptionalNumber('operationTimeoutSeconds') ?? 3600;
  for (const [name, value, max] of [
    ['port', port, 65535],
    ['operationTimeoutSeconds', timeout, 86400],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new Error(
        `${KEY}.${name} must be a whole number from 1 to ${max}, got ${value}`,
      );
    }
  }

  return {
    project,
    location,
    apiEndpoint,
    images,
    machineType: optional(
      'machineType',
      MACHINE_TYPE,
      'a Compute Engine machine type such as n1-standard-4',
    ),
    acceleratorType: acceleratorType as AcceleratorType | undefined,
    predictRoute: optional('predictRoute', ROUTE, 'a path') ?? '/invocations',
    healthRoute: optional('healthRoute', ROUTE, 'a path') ?? '/ping',
    port,
    serviceAccount: optional(
      'serviceAccount',
      SERVICE_ACCOUNT,
      'a service account email (<name>@<project>.iam.gserviceaccount.com)',
    ),
    operationTimeoutSeconds: timeout,
  };
}
