import { Readable, Transform } from 'node:stream';
import { CustomErrorBase, InputError } from '@backstage/errors';

/**
 * One entry of a directory listing.
 *
 * @internal
 */
export type ArtifactFile = {
  /** Relative to the store root, `/`-separated, normalized (see {@link normalizeArtifactPath}). */
  path: string;
  isDir: boolean;
  /** Bytes; set for files only. */
  fileSize?: number;
};

/**
 * Where run artifacts live: a tree of files addressed by `/`-separated paths relative to the
 * store root, e.g. `<experimentId>/<runId>/artifacts/model/MLmodel`.
 *
 * Every method normalizes its path with {@link normalizeArtifactPath} first, so unsafe paths
 * are rejected with `InputError` whatever the implementation. Directories are implied by the
 * files under them (as in S3): one that holds no file does not exist.
 *
 * @internal
 */
export interface ArtifactStore {
  /** The largest file {@link ArtifactStore.put} stores, in bytes. */
  readonly maxUploadBytes: number;

  /**
   * Stores a file, replacing any file at the path. Streams the body, never buffers a whole
   * file in memory. Atomic: when the body fails part way, nothing is left at the path (a
   * file that was there before stays as it was). A body longer than
   * {@link ArtifactStore.maxUploadBytes} fails with {@link ArtifactTooLargeError} at its
   * first byte over the limit, leaving nothing behind either.
   */
  put(path: string, body: Readable): Promise<void>;

  /** Opens a file for reading; `NotFoundError` when no file is at the path. */
  get(
    path: string,
  ): Promise<{ body: Readable; size?: number; contentType?: string }>;

  /**
   * The direct children of a directory, sorted by path; `[]` for a missing directory or a
   * path that names a file. `''` lists the root.
   */
  list(path: string): Promise<ArtifactFile[]>;

  /**
   * Deletes the file at the path, or the directory and everything under it; nothing to
   * delete is not an error. The root (`''`) cannot be deleted.
   */
  delete(path: string): Promise<void>;

  /**
   * Bytes under a prefix, for storage cost later: the size of the file at the path, or the
   * sum over the files under the directory at the path (`''`: the whole store); 0 when
   * missing. The prefix is a path, so `a/b` counts `a/b/**` but not `a/bc`.
   */
  size(prefix: string): Promise<number>;
}

/**
 * The canonical form of an artifact path, or `InputError` for one that could escape the
 * store root: absolute paths (a leading `/` or a drive letter such as `C:`), `..` segments,
 * backslashes and NUL. MLflow's `validate_path_is_safe` rejects the same. Trailing slashes,
 * empty segments and `.` segments are dropped, so `a//b/./c/` becomes `a/b/c`; `''` is the
 * root.
 *
 * @internal
 */
export function normalizeArtifactPath(path: string): string {
  if (typeof path !== 'string') {
    throw new InputError('Artifact path must be a string');
  }
  if (path.includes('\0')) {
    throw new InputError('Invalid artifact path: contains a NUL character');
  }
  if (path.includes('\\')) {
    throw new InputError(
      `Invalid artifact path '${path}': backslashes are not allowed`,
    );
  }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new InputError(
      `Invalid artifact path '${path}': must be relative, not absolute`,
    );
  }
  const segments = path.split('/').filter(s => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new InputError(
      `Invalid artifact path '${path}': '..' segments are not allowed`,
    );
  }
  return segments.join('/');
}

/**
 * {@link normalizeArtifactPath}, and `InputError` for the root where a file is meant.
 *
 * @internal
 */
export function normalizeArtifactFilePath(path: string): string {
  const normalized = normalizeArtifactPath(path);
  if (normalized === '') {
    throw new InputError('Artifact path must name a file, not the root');
  }
  return normalized;
}

/** Uploads stored when `ml.artifacts.maxUploadBytes` is not set: 5 GiB. @internal */
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

/**
 * An upload over the store's limit (HTTP 413).
 *
 * @internal
 */
export class ArtifactTooLargeError extends CustomErrorBase {
  name = 'ArtifactTooLargeError' as const;
  readonly statusCode = 413;

  constructor(path: string, maxBytes: number) {
    super(
      `Artifact '${path}' is larger than the ${maxBytes} bytes an upload may hold (ml.artifacts.maxUploadBytes)`,
    );
  }
}

/**
 * A pass-through that fails with {@link ArtifactTooLargeError} as soon as more than
 * `maxBytes` bytes have gone through it, so that a pipeline into a file stops at the
 * first byte over the limit.
 *
 * @internal
 */
export function limitBytes(path: string, maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(new ArtifactTooLargeError(path, maxBytes));
        return;
      }
      callback(null, chunk);
    },
  });
}
