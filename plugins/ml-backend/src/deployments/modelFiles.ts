import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '@backstage/errors';
import { ModelFiles } from './ports';

/**
 * Where a version's files are put on this host: keyed by where they come from, not only
 * the version's number (another portal's, or a re-created model's, version 2 is other
 * files).
 *
 * @internal
 */
export function modelCachePath(
  cacheDirectory: string,
  model: { modelName: string; version: number; artifactUri: string },
): string {
  const source = createHash('sha256')
    .update(model.artifactUri)
    .digest('hex')
    .slice(0, 12);
  return join(
    cacheDirectory,
    encodeURIComponent(model.modelName),
    `${model.version}-${source}`,
  );
}

/** What model files are read through: the portal's artifact store. @internal */
export interface ArtifactReader {
  list(path: string): Promise<Array<{ path: string; isDir: boolean }>>;
  get(path: string): Promise<{ body: Readable }>;
}

/**
 * Model files from the portal's artifact store (`mlflow-artifacts:/…`, local or S3) or a
 * `file://` directory on this host. A version's files never change, so a directory
 * already filled (marked by `.complete`) is reused; a partial one is filled again into
 * a fresh directory and swapped in, so a server never starts on half a model.
 *
 * @internal
 */
export function artifactModelFiles(artifacts: ArtifactReader): ModelFiles {
  return {
    async materialize(artifactUri, directory) {
      const local = /^file:(\/\/)?(\/.*)$/.exec(artifactUri);
      if (local) return local[2];
      const inStore = /^mlflow-artifacts:\/*(.*)$/.exec(artifactUri);
      if (!inStore) {
        throw new InputError(
          `The model's files at ${artifactUri} are not in the portal's artifact store; a target serving from local files cannot reach them`,
        );
      }
      if (await exists(join(directory, '.complete'))) return directory;
      const partial = `${directory}.partial-${process.pid}-${Date.now()}`;
      await copyTree(artifacts, inStore[1].replace(/\/+$/, ''), partial);
      await writeFile(join(partial, '.complete'), '');
      await rm(directory, { recursive: true, force: true });
      await mkdir(dirname(directory), { recursive: true });
      await rename(partial, directory);
      return directory;
    },
  };
}

async function copyTree(
  artifacts: ArtifactReader,
  root: string,
  destination: string,
) {
  const entries = await artifacts.list(root);
  if (entries.length === 0) {
    throw new InputError(`No model files under mlflow-artifacts:/${root}`);
  }
  await mkdir(destination, { recursive: true });
  for (const entry of entries) {
    const name = entry.path.slice(root.length + 1);
    if (entry.isDir) {
      await copyTree(artifacts, entry.path, join(destination, name));
    } else {
      const { body } = await artifacts.get(entry.path);
      await pipeline(body, createWriteStream(join(destination, name)));
    }
  }
}

async function exists(path: string) {
  return stat(path).then(
    () => true,
    () => false,
  );
}
