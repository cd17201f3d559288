import { createHash } from 'node:crypto';
import {
  ContainerDefinition,
  DataCaptureConfig,
  ProductionVariant,
  ProductionVariantInstanceType,
  Tag,
} from '@aws-sdk/client-sagemaker';
import { InputError } from '@backstage/errors';
import { EndpointSpec, ServingModel } from '@ml-portal/plugin-ml-node';
import { toSageMakerName } from './aws';
import { SageMakerServingSettings } from './config';

/** Tag keys that tie SageMaker models, endpoint configs and endpoints to the portal. */
const TAG_OWNER = 'ml.platform/owner';
const TAG_ENDPOINT = 'ml.platform/endpoint';
const TAG_DEPLOYMENT = 'ml.platform/deployment';
const TAG_MODEL = 'ml.platform/model';
const TAG_MODEL_VERSION = 'ml.platform/model-version';

const DEFAULT_FLAVOR = 'python_function';
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** `-` and a 10-hex hash after the prefix keep endpoint config names within 63 characters. */
const CONFIG_HASH_LENGTH = 10;
const CONFIG_PREFIX_LENGTH = 63 - CONFIG_HASH_LENGTH - 1;

/**
 * One SageMaker model to create: its name is derived from what it contains.
 *
 * @internal
 */
export type PlannedModel = {
  ModelName: string;
  PrimaryContainer: ContainerDefinition;
  Tags: Tag[];
};

/**
 * What SageMaker must hold for an endpoint spec: models, one endpoint config, the endpoint.
 *
 * @internal
 */
export type EndpointPlan = {
  endpointName: string;
  endpointConfigName: string;
  models: PlannedModel[];
  variants: ProductionVariant[];
  /** Real-time endpoints' capture, where configured (SageMaker captures none serverless). */
  dataCapture?: DataCaptureConfig;
  tags: Tag[];
};

/**
 * Turns an endpoint spec into SageMaker resources, or throws `InputError` when SageMaker
 * could not serve it. Pure: the same spec and settings always give the same names.
 *
 * @internal
 */
export function planEndpoint(
  spec: EndpointSpec,
  settings: SageMakerServingSettings,
): EndpointPlan {
  if (
    spec.region &&
    AWS_REGION.test(spec.region) &&
    spec.region !== settings.region
  ) {
    throw new InputError(
      `Endpoint '${spec.name}' is in region ${spec.region}, but the sagemaker serving target serves in ${settings.region}`,
    );
  }
  if (spec.deployments.length === 0) {
    throw new InputError(`Endpoint '${spec.name}' has no deployments`);
  }
  if (spec.kind === 'real-time' && !spec.instanceType) {
    throw new InputError(
      `Real-time endpoint '${spec.name}' needs an instanceType, e.g. ml.m5.large`,
    );
  }
  const weights = spec.deployments.map(d => d.weight);
  if (weights.some(w => !(w >= 0 && w <= 100)) || !weights.some(w => w > 0)) {
    throw new InputError(
      `Endpoint '${
        spec.name
      }' needs weights from 0 to 100 with at least one above 0, got ${weights.join(
        '/',
      )}`,
    );
  }

  const endpointName = toSageMakerName(spec.name);
  const tags: Tag[] = [
    tag(TAG_OWNER, spec.owner),
    tag(TAG_ENDPOINT, spec.name),
  ];
  const models: PlannedModel[] = [];
  const variants: ProductionVariant[] = [];
  for (const deployment of spec.deployments) {
    const model = planModel(deployment.name, deployment.model, settings, [
      ...tags,
      tag(TAG_DEPLOYMENT, deployment.name),
    ]);
    const VariantName = toSageMakerName(deployment.name);
    if (variants.some(v => v.VariantName === VariantName)) {
      throw new InputError(
        `Endpoint '${spec.name}' lists deployment '${deployment.name}' twice`,
      );
    }
    models.push(model);
    variants.push({
      VariantName,
      ModelName: model.ModelName,
      InitialVariantWeight: deployment.weight,
      ...(spec.kind === 'serverless'
        ? { ServerlessConfig: serverlessConfig(spec, settings) }
        : {
            // Passed through: SageMaker validates it and knows types newer than this SDK.
            InstanceType: spec.instanceType as ProductionVariantInstanceType,
            // Real-time variants cannot scale to zero.
            InitialInstanceCount: Math.max(1, spec.scaling.minReplicas),
          }),
    });
  }

  const dataCapture =
    spec.kind === 'real-time' && settings.dataCapture
      ? dataCaptureConfig(settings.dataCapture)
      : undefined;
  return {
    endpointName,
    // Configs are immutable: capture settings are part of what the name stands for.
    endpointConfigName: `${endpointConfigPrefix(endpointName)}-${shortHash(
      JSON.stringify(dataCapture ? [variants, dataCapture] : variants),
      CONFIG_HASH_LENGTH,
    )}`,
    models,
    variants,
    ...(dataCapture && { dataCapture }),
    tags,
  };
}

/**
 * Captures requests and responses, JSON and CSV kept as text (SageMaker base64-encodes
 * content types it is not told about), under `<s3Uri>/<endpoint>/<variant>/`.
 */
function dataCaptureConfig(
  capture: NonNullable<SageMakerServingSettings['dataCapture']>,
): DataCaptureConfig {
  return {
    EnableCapture: true,
    InitialSamplingPercentage: capture.samplingPercent,
    DestinationS3Uri: capture.s3Uri,
    CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
    CaptureContentTypeHeader: {
      JsonContentTypes: ['application/json'],
      CsvContentTypes: ['text/csv'],
    },
  };
}

/**
 * The SageMaker model a batch transform job of a model version runs, tagged with the
 * model and version.
 *
 * @internal
 */
export function planBatchModel(
  model: ServingModel,
  settings: SageMakerServingSettings,
): PlannedModel {
  return planModel(`${model.name}-v${model.version}`, model, settings, [
    tag(TAG_MODEL, model.name),
    tag(TAG_MODEL_VERSION, model.version),
  ]);
}

/**
 * The SageMaker model serving a model version: named after `baseName` and a hash of its
 * container and role, since SageMaker models are immutable and a new image must get a
 * new model.
 */
function planModel(
  baseName: string,
  model: ServingModel,
  settings: SageMakerServingSettings,
  tags: Tag[],
): PlannedModel {
  const flavor = model.flavor ?? DEFAULT_FLAVOR;
  const image = model.image ?? settings.images[flavor];
  if (!image) {
    const configured = Object.keys(settings.images);
    throw new InputError(
      `No model server image for flavor '${flavor}' of ${model.name} version ${
        model.version
      }: set ml.serving.targets.sagemaker.images.${flavor}${
        configured.length ? ` (configured: ${configured.join(', ')})` : ''
      }`,
    );
  }
  const uri = model.artifactUri;
  if (!uri.startsWith('s3://')) {
    throw new InputError(
      `The sagemaker serving target needs the model in S3 (s3://…), got '${uri}' for ${model.name} version ${model.version}`,
    );
  }
  const PrimaryContainer: ContainerDefinition = {
    Image: image,
    // An archive is what ModelDataUrl expects; an MLflow model directory is served
    // uncompressed from its prefix.
    ...(/\.tar\.gz$/.test(uri)
      ? { ModelDataUrl: uri }
      : {
          ModelDataSource: {
            S3DataSource: {
              S3Uri: uri.replace(/\/*$/, '/'),
              S3DataType: 'S3Prefix',
              CompressionType: 'None',
            },
          },
        }),
  };
  return {
    ModelName: toSageMakerName(
      `${baseName}-${shortHash(
        JSON.stringify([PrimaryContainer, settings.executionRoleArn]),
        8,
      )}`,
    ),
    PrimaryContainer,
    Tags: tags,
  };
}

/**
 * What every endpoint config of an endpoint starts with: the endpoint's name, or for long
 * names a cut of it with a hash, so that configs of two endpoints never share a prefix
 * and `remove` finds exactly its own by name.
 *
 * @internal
 */
export function endpointConfigPrefix(endpointName: string): string {
  if (endpointName.length <= CONFIG_PREFIX_LENGTH) return endpointName;
  const hash = shortHash(endpointName, 8);
  return `${endpointName
    .slice(0, CONFIG_PREFIX_LENGTH - hash.length - 1)
    .replace(/-+$/, '')}-${hash}`;
}

/**
 * True for the endpoint configs `planEndpoint` names for the endpoint.
 *
 * @internal
 */
export function isEndpointConfigOf(
  configName: string,
  endpointName: string,
): boolean {
  const prefix = endpointConfigPrefix(endpointName);
  return (
    configName.startsWith(`${prefix}-`) &&
    new RegExp(`^[0-9a-f]{${CONFIG_HASH_LENGTH}}$`).test(
      configName.slice(prefix.length + 1),
    )
  );
}

/**
 * The variant's serverless settings: the spec's most concurrent requests
 * (`maxReplicas` × `targetConcurrency`), capped by the configured maximum.
 */
function serverlessConfig(
  spec: EndpointSpec,
  settings: SageMakerServingSettings,
) {
  const { maxReplicas, targetConcurrency } = spec.scaling;
  return {
    MemorySizeInMB: settings.serverless.memorySizeMb,
    MaxConcurrency: Math.min(
      settings.serverless.maxConcurrency,
      Math.max(1, Math.floor(maxReplicas * targetConcurrency)),
    ),
  };
}

/**
 * A tag with its value as SageMaker accepts it (letters, digits, spaces and `_.:/=+-@`,
 * at most 256 characters): registered model names may hold other characters.
 */
function tag(Key: string, value: string): Tag {
  return {
    Key,
    Value: value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256),
  };
}

function shortHash(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}
