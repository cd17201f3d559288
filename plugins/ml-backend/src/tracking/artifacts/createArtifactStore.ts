import { resolve } from 'node:path';
import { Config } from '@backstage/config';
import { ArtifactStore, DEFAULT_MAX_UPLOAD_BYTES } from './ArtifactStore';
import { LocalArtifactStore } from './LocalArtifactStore';
import { S3ArtifactStore } from './S3ArtifactStore';

/** Where a {@link LocalArtifactStore} lies when `ml.artifacts.local.directory` is not set. */
const DEFAULT_LOCAL_DIRECTORY = '.data/artifacts';

/**
 * The artifact store that `ml.artifacts` configures: S3 when `ml.artifacts.s3` is set,
 * else a directory on the local file system (`ml.artifacts.local.directory`, by default
 * `.data/artifacts`, relative to the backend's working directory). Either takes uploads
 * up to `ml.artifacts.maxUploadBytes` (5 GiB by default; S3 at most 5 GiB).
 *
 * @internal
 */
export async function createArtifactStore(
  config: Config,
): Promise<ArtifactStore> {
  const maxUploadBytes = readMaxUploadBytes(config);
  const s3 = config.getOptionalConfig('ml.artifacts.s3');
  if (s3) {
    return S3ArtifactStore.create({
      bucket: s3.getString('bucket'),
      prefix: s3.getOptionalString('prefix'),
      region: s3.getOptionalString('region'),
      endpoint: s3.getOptionalString('endpoint'),
      forcePathStyle: s3.getOptionalBoolean('forcePathStyle'),
      maxUploadBytes,
    });
  }
  const directory =
    config.getOptionalString('ml.artifacts.local.directory') ??
    DEFAULT_LOCAL_DIRECTORY;
  return LocalArtifactStore.create({
    directory: resolve(directory),
    maxUploadBytes,
  });
}

/**
 * Where the store `ml.artifacts` configures keeps artifacts, without creating it: for
 * pages that say where a model's files are (the readiness scorecard).
 *
 * @internal
 */
export function describeArtifactStore(
  config: Config,
):
  | { kind: 's3'; bucket: string; prefix?: string; endpoint?: string }
  | { kind: 'local'; directory: string } {
  const s3 = config.getOptionalConfig('ml.artifacts.s3');
  if (s3) {
    return {
      kind: 's3',
      bucket: s3.getString('bucket'),
      prefix: s3.getOptionalString('prefix'),
      endpoint: s3.getOptionalString('endpoint'),
    };
  }
  return {
    kind: 'local',
    directory: resolve(
      config.getOptionalString('ml.artifacts.local.directory') ??
        DEFAULT_LOCAL_DIRECTORY,
    ),
  };
}

/** `ml.artifacts.maxUploadBytes`: a positive whole number of bytes, 5 GiB by default. */
function readMaxUploadBytes(config: Config): number {
  const key = 'ml.artifacts.maxUploadBytes';
  const value = config.getOptionalNumber(key) ?? DEFAULT_MAX_UPLOAD_BYTES;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(
      `Invalid config ${key}: expected a positive whole number of bytes, got ${value}`,
    );
  }
  return value;
}
