import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  ArtifactFile,
  ArtifactStore,
  DEFAULT_MAX_UPLOAD_BYTES,
  limitBytes,
  normalizeArtifactFilePath,
  normalizeArtifactPath,
} from './ArtifactStore';

/**
 * Uploads in flight are written here, under the root so that the final rename stays on one
 * file system. Reserved: no artifact path may start with it, and listings skip it.
 */
const STAGING_DIR = '.staging';
/** Staged files older than this are left over from a crashed process. */
const STALE_STAGING_MS = 24 * 60 * 60 * 1000;
/** Linux's NAME_MAX and PATH_MAX (less its NUL), in bytes: longer fails as ENAMETOOLONG. */
const NAME_MAX = 255;
const PATH_MAX = 4095;

/**
 * An {@link ArtifactStore} on the local file system, for development and single-node
 * installs. Each upload is streamed to a staging file and renamed into place, so a failed
 * upload leaves nothing half-written; deleting prunes directories left empty, so a directory
 * exists exactly while it holds a file, as in S3.
 *
 * @internal
 */
export class LocalArtifactStore implements ArtifactStore {
  private constructor(
    readonly directory: string,
    readonly maxUploadBytes: number,
  ) {}

  /** Creates the root directory when missing and clears stale staged uploads. */
  static async create(options: {
    directory: string;
    /** Defaults to 5 GiB. */
    maxUploadBytes?: number;
  }): Promise<LocalArtifactStore> {
    const directory = resolve(options.directory);
    const staging = join(directory, STAGING_DIR);
    await fs.mkdir(staging, { recursive: true });
    for (const name of await fs.readdir(staging)) {
      const file = join(staging, name);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_STAGING_MS) {
        await fs.rm(file, { force: true, recursive: true });
      }
    }
    return new LocalArtifactStore(
      directory,
      options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    );
  }

  async put(path: string, body: Readable): Promise<void> {
    const target = this.resolve(normalizeArtifactFilePath(path));
    const staging = join(this.directory, STAGING_DIR);
    const temp = join(staging, randomUUID());
    try {
      await fs.mkdir(staging, { recursive: true });
      // The limit stops the copy at its first byte over; the catch removes the part.
      await pipeline(
        body,
        limitBytes(normalizeArtifactFilePath(path), this.maxUploadBytes),
        createWriteStream(temp, { flags: 'wx' }),
      );
      // A concurrent delete may prune the parents while mkdir creates them, or between
      // mkdir and rename: try again.
      for (let attempt = 1; ; attempt++) {
        try {
          await fs.mkdir(dirname(target), { recursive: true });
          await fs.rename(temp, target);
          return;
        } catch (error) {
          if (errorCode(error) !== 'ENOENT' || attempt === 3) {
            throw error;
          }
        }
      }
    } catch (error) {
      await fs.rm(temp, { force: true });
      await this.pruneEmptyParents(target);
      const code = errorCode(error);
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') {
        throw new ConflictError(
          `Cannot store artifact '${path}': a file and a directory would share a path`,
        );
      }
      throw error;
    }
  }

  async get(
    path: string,
  ): Promise<{ body: Readable; size?: number; contentType?: string }> {
    const normalized = normalizeArtifactFilePath(path);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.resolve(normalized), 'r');
    } catch (error) {
      if (isMissing(error)) {
        throw new NotFoundError(`No artifact at '${normalized}'`);
      }
      throw error;
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new NotFoundError(`No artifact at '${normalized}'`);
    }
    return { body: handle.createReadStream(), size: stat.size };
  }

  async list(path: string): Promise<ArtifactFile[]> {
    const normalized = normalizeArtifactPath(path);
    const directory = this.resolve(normalized);
    let names: string[];
    try {
      names = await fs.readdir(directory);
    } catch (error) {
      if (isMissing(error)) {
        return [];
      }
      throw error;
    }
    if (normalized === '') {
      names = names.filter(name => name !== STAGING_DIR);
    }
    const files = await Promise.all(
      names.map(async (name): Promise<ArtifactFile | undefined> => {
        const child = normalized ? `${normalized}/${name}` : name;
        const stat = await fs.stat(join(directory, name)).catch(error => {
          if (isMissing(error)) return undefined; // deleted meanwhile
          throw error;
        });
        if (stat?.isDirectory()) {
          return { path: child, isDir: true };
        }
        if (stat?.isFile()) {
          return { path: child, isDir: false, fileSize: stat.size };
        }
        return undefined;
      }),
    );
    return files
      .filter((file): file is ArtifactFile => file !== undefined)
      .sort(byPath);
  }

  async delete(path: string): Promise<void> {
    const target = this.resolve(normalizeArtifactFilePath(path));
    // An upload into the tree while it is removed leaves a directory not empty: remove
    // again, what that upload stored included.
    for (let attempt = 1; ; attempt++) {
      try {
        await fs.rm(target, { recursive: true, force: true });
        break;
      } catch (error) {
        if (errorCode(error) !== 'ENOTEMPTY' || attempt === 5) throw error;
      }
    }
    await this.pruneEmptyParents(target);
  }

  async size(prefix: string): Promise<number> {
    const normalized = normalizeArtifactPath(prefix);
    const sizeOf = async (file: string, isRoot: boolean): Promise<number> => {
      const stat = await fs.lstat(file).catch(error => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (stat?.isFile()) {
        return stat.size;
      }
      if (!stat?.isDirectory()) {
        return 0;
      }
      let total = 0;
      for (const name of await fs.readdir(file)) {
        if (!(isRoot && name === STAGING_DIR)) {
          total += await sizeOf(join(file, name), false);
        }
      }
      return total;
    };
    return sizeOf(this.resolve(normalized), normalized === '');
  }

  /** The absolute file name of a normalized artifact path. */
  private resolve(normalized: string): string {
    const segments = normalized === '' ? [] : normalized.split('/');
    if (segments[0] === STAGING_DIR) {
      throw new InputError(
        `Invalid artifact path '${normalized}': '${STAGING_DIR}' is reserved`,
      );
    }
    const file = join(this.directory, ...segments);
    if (
      segments.some(segment => Buffer.byteLength(segment) > NAME_MAX) ||
      Buffer.byteLength(file) > PATH_MAX
    ) {
      throw new InputError(
        `Invalid artifact path '${normalized.slice(
          0,
          100,
        )}...': longer than the file system allows (${NAME_MAX} bytes a name, ${PATH_MAX} in all)`,
      );
    }
    return file;
  }

  /** Removes the now empty directories above a deleted file, up to the root. */
  private async pruneEmptyParents(file: string): Promise<void> {
    for (
      let dir = dirname(file);
      dir.startsWith(this.directory) && dir !== this.directory;
      dir = dirname(dir)
    ) {
      try {
        await fs.rmdir(dir);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') {
          return; // ENOTEMPTY: still in use
        }
      }
    }
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A path that does not exist, or runs through a file as if it were a directory. */
function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function byPath(a: ArtifactFile, b: ArtifactFile): number {
  if (a.path === b.path) return 0;
  return a.path < b.path ? -1 : 1;
}
