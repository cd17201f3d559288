import { createHash } from 'node:crypto';
import { CommandJob, JobBase } from '@azure/arm-machinelearning';
import { InputError } from '@backstage/errors';
import {
  DispatchRequest,
  GpuPool,
  jobEnvironment,
  maxRuntimeSecondsOf,
  withSecretReferences,
} from '@ml-portal/plugin-ml-node';
import { toCommandLine } from './commandLine';
import { AzureMlTargetSettings } from './config';
import { toAzureMlJobName } from './jobName';

/** Anonymous environments wrapping a job's image are versions of this environment. @internal */
export const IMAGE_ENVIRONMENT = 'ml-portal-image';
/** The output binding that mounts the checkpoint location read-write. */
const CHECKPOINT_OUTPUT = 'checkpoints';

const ENV_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A Key Vault secret identifier, optionally with its version. */
const KEY_VAULT_SECRET_ID =
  /^https:\/\/[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)\/secrets\/[a-z0-9-]{1,127}(\/[0-9a-f]{32})?$/i;
/** A compute name that is safe to put into an ARM id. */
const COMPUTE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
/** Locations Azure ML can mount as a `uri_folder` output. */
/** @internal */
export const AZURE_STORAGE_URI =
  /^(azureml:\/\/|https:\/\/[a-z0-9]+\.(blob|dfs)\.core\.[a-z.]+\/|abfss?:\/\/|wasbs?:\/\/)/i;

/** Tag keys that tie an Azure ML job to the platform's job, attempt and pool. @internal */
export const TAG_ATTEMPT_ID = 'ml.platform/attempt-id';
const TAG_JOB_ID = 'ml.platform/job-id';
const TAG_POOL = 'ml.platform/pool';

/** A job to create, with what must exist before it can be. @internal */
export type JobPlan = {
  name: string;
  job: JobBase;
  cluster: string;
  /** The anonymous environment that wraps the job's image, when it brings one. */
  environment?: { version: string; image: string };
};

/**
 * The Azure ML command job an attempt becomes, in the workspace `workspaceId`; throws
 * `InputError` when Azure ML could not accept it.
 *
 * @internal
 */
export function planJob(
  request: DispatchRequest,
  workspaceId: string,
  settings: AzureMlTargetSettings,
): JobPlan {
  const { pool, resources } = request;
  const name = toAzureMlJobName(request.externalName);
  const cluster = clusterOf(pool);
  if (resources.gpus > Math.max(1, pool.gpusPerNode)) {
    throw new InputError(
      `The azureml target runs a job on one node; pool '${pool.name}' has ${pool.gpusPerNode} GPUs per node, the job asks for ${resources.gpus}`,
    );
  }
  let environment: JobPlan['environment'];
  let environmentId: string;
  if (request.image) {
    environment = {
      image: request.image,
      version: createHash('sha256')
        .update(request.image)
        .digest('hex')
        .slice(0, 32),
    };
    environmentId = `${workspaceId}/environments/${IMAGE_ENVIRONMENT}/versions/${environment.version}`;
  } else if (settings.environment) {
    environmentId = settings.environment;
  } else {
    throw new InputError(
      'The azureml target needs an image, or ml.targets.azureml.environment for jobs without one',
    );
  }
  const maxRuntime = maxRuntimeSecondsOf(request);
  const checkpointUri =
    request.checkpoint &&
    checkpointUriOf(request.checkpoint.uri, settings.checkpointDatastore);

  let command = toCommandLine(request.command);
  if (checkpointUri !== undefined) {
    // Only the command line can name where Azure ML mounts an output.
    command = `export CHECKPOINT_DIR="\${{outputs.${CHECKPOINT_OUTPUT}}}" && ${command}`;
  }

  const properties: CommandJob = {
    jobType: 'Command',
    displayName: `${request.jobId} ${request.attemptId}`,
    experimentName: settings.experimentName,
    computeId: `${workspaceId}/computes/${cluster}`,
    environmentId,
    command,
    environmentVariables: buildEnvironment(request, checkpointUri),
    resources: { instanceCount: 1 },
    ...(maxRuntime !== undefined && {
      limits: { jobLimitsType: 'Command', timeout: isoDuration(maxRuntime) },
    }),
    ...(checkpointUri !== undefined && {
      outputs: {
        [CHECKPOINT_OUTPUT]: {
          jobOutputType: 'uri_folder',
          mode: 'ReadWriteMount',
          uri: checkpointUri,
          description: 'Checkpoints, shared by all attempts of the job',
        },
      },
    }),
    tags: {
      [TAG_JOB_ID]: request.jobId,
      [TAG_ATTEMPT_ID]: request.attemptId,
      [TAG_POOL]: pool.name,
    },
  };
  return { name, job: { properties }, cluster, environment };
}

/** The checkpoint location as a URI Azure ML mounts; relative paths are in `datastore`. */
function checkpointUriOf(uri: string, datastore: string): string {
  if (AZURE_STORAGE_URI.test(uri)) {
    return uri;
  }
  const path = uri.replace(/^(\.\/)+/, '');
  if (
    !/^[a-z][a-z0-9+.-]*:/i.test(uri) &&
    !uri.startsWith('/') &&
    path !== '' &&
    !path.split('/').includes('..')
  ) {
    return `azureml://datastores/${datastore}/paths/${path}`;
  }
  throw new InputError(
    `The azureml target needs a checkpoint location in Azure storage (azureml://, https://<account>.blob.core.windows.net/..., abfss://) or a path relative to datastore ${datastore}, got '${uri}'`,
  );
}

/**
 * The job's environment variables: its plain env, the checkpoint location, and one
 * `<NAME>_SECRET_ID` Key Vault reference per secret.
 */
function buildEnvironment(
  request: DispatchRequest,
  checkpointUri: string | undefined,
): Record<string, string> {
  for (const { name, secretRef } of request.secretEnv) {
    if (!KEY_VAULT_SECRET_ID.test(secretRef)) {
      throw new InputError(
        `secretEnv ${name}: the azureml target needs a Key Vault secret identifier (https://<vault>.vault.azure.net/secrets/<name>[/<version>]), got '${secretRef}'`,
      );
    }
  }
  // CHECKPOINT_DIR is the mounted output, exported by the command line.
  const env = withSecretReferences(
    jobEnvironment(
      request,
      checkpointUri === undefined ? undefined : { uri: checkpointUri },
    ),
    request,
    '_SECRET_ID',
  );
  for (const key of Object.keys(env)) {
    if (!ENV_KEY.test(key)) {
      throw new InputError(
        `Environment variable name '${key.slice(
          0,
          64,
        )}' is not accepted (letters, digits and _, not starting with a digit)`,
      );
    }
  }
  return env;
}

function clusterOf(pool: GpuPool): string {
  const cluster = pool.instanceType;
  if (!cluster) {
    throw new InputError(
      `Pool '${pool.name}' has no instanceType; the azureml target needs the name of a compute cluster there`,
    );
  }
  if (!COMPUTE_NAME.test(cluster)) {
    throw new InputError(
      `Pool '${pool.name}' has instanceType '${cluster}', which is not an Azure ML compute name`,
    );
  }
  return cluster;
}

/** `seconds` as an ISO-8601 duration, e.g. `PT1H30M`, `P1DT2H`. */
function isoDuration(seconds: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86400), 'D'],
    [Math.floor((seconds % 86400) / 3600), 'H'],
    [Math.floor((seconds % 3600) / 60), 'M'],
    [seconds % 60, 'S'],
  ];
  const text = ([value, unit]: [number, string]) =>
    value ? `${value}${unit}` : '';
  const time = parts.slice(1).map(text).join('');
  return `P${text(parts[0])}${time ? `T${time}` : ''}`;
}
