import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  _Object,
} from '@aws-sdk/client-s3';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  ArtifactFile,
  ArtifactStore,
  DEFAULT_MAX_UPLOAD_BYTES,
  limitBytes,
  normalizeArtifactFilePath,
  normalizeArtifactPath,
} from './ArtifactStore';

/**
 * Where an {@link S3ArtifactStore} keeps artifacts. Credentials are not configured here:
 * the AWS SDK's default chain finds them (environment, shared profile, web identity,
 * container or instance role).
 *
 * @internal
 */
export type S3ArtifactStoreOptions = {
  bucket: string;
  /** Key prefix under which the store root lies, e.g. `mlflow/artifacts`. */
  prefix?: string;
  /** Defaults to the SDK's chain (`AWS_REGION`, the profile). */
  region?: string;
  /** For S3-compatible services (MinIO, Ceph), e.g. `http://minio:9000`. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible services need. */
  forcePathStyle?: boolean;
  /** The largest upload; defaults to, and is at most, 5 GiB (one PutObject's limit). */
  maxUploadBytes?: number;
};

/** The largest object one PutObject may write, and so the largest upload. */
const MAX_PUT_OBJECT_BYTES = 5 * 1024 ** 3;
/** The longest S3 object key, in bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;
/** How many DeleteObject requests run at once. */
const DELETE_CONCURRENCY = 16;

/**
 * An {@link ArtifactStore} in an S3 bucket (or an S3-compatible service). An artifact path
 * `a/b/c` is the object key `<prefix>/a/b/c`; directories are key prefixes.
 *
 * Uploads are spooled to a temporary file first: PutObject needs the body's length up
 * front (the SDK's checksummed, `aws-chunked` streaming upload fails on a stream of
 * unknown length), and an MLflow client's PUT may come without one. Memory use stays
 * bounded, and so does the spool: it stops at `maxUploadBytes`, at most 5 GiB, as one
 * PutObject writes at most 5 GiB (larger artifacts would need a multipart upload).
 *
 * @internal
 */
export class S3ArtifactStore implements ArtifactStore {
  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** `''` or a prefix ending in `/`. */
    private readonly keyPrefix: string,
    readonly maxUploadBytes: number,
  ) {}

  static create(options: S3ArtifactStoreOptions): S3ArtifactStore {
    const client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
    });
    const prefix = normalizeArtifactPath(options.prefix ?? '');
    return new S3ArtifactStore(
      client,
      options.bucket,
      prefix && `${prefix}/`,
      Math.min(
        options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
        MAX_PUT_OBJECT_BYTES,
      ),
    );
  }

  async put(path: string, body: Readable): Promise<void> {
    const normalized = normalizeArtifactFilePath(path);
    const key = this.key(normalized);
    const spool = await mkdtemp(join(tmpdir(), 'ml-artifact-'));
    try {
      const file = join(spool, 'body');
      // Spooling stops at the first byte over the limit; the finally removes the part.
      await pipeline(
        body,
        limitBytes(normalized, this.maxUploadBytes),
        createWriteStream(file),
      );
      const { size } = await stat(file);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
        }),
      );
    } finally {
      await rm(spool, { recursive: true, force: true });
    }
  }

  async get(
    path: string,
  ): Promise<{ body: Readable; size?: number; contentType?: string }> {
    const normalized = normalizeArtifactFilePath(path);
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.key(normalized),
        }),
      );
      if (!(object.Body instanceof Readable)) {
        throw new Error(`S3 returned no readable body for '${normalized}'`);
      }
      return {
        body: object.Body,
        size: object.ContentLength,
        contentType: object.ContentType,
      };
    } catch (error) {
      if (isNotFound(error)) {
        throw new NotFoundError(`No artifact at '${normalized}'`);
      }
      throw error;
    }
  }

  async list(path: string): Promise<ArtifactFile[]> {
    const normalized = normalizeArtifactPath(path);
    const prefix = this.key(normalized && `${normalized}/`);
    const child = (name: string) =>
      normalized ? `${normalized}/${name}` : name;
    const files: ArtifactFile[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(prefix.length, -1);
        if (isPlainName(name)) {
          files.push({ path: child(name), isDir: true });
        }
      }
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(prefix.length);
        if (isPlainName(name)) {
          files.push({
            path: child(name),
            isDir: false,
            fileSize: object.Size ?? 0,
          });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return files.sort((a, b) => compare(a.path, b.path));
  }

  async delete(path: string): Promise<void> {
    const key = this.key(normalizeArtifactFilePath(path));
    const keys = [key];
    for await (const object of this.listAll(`${key}/`)) {
      keys.push(object.Key!);
    }
    for (let i = 0; i < keys.length; i += DELETE_CONCURRENCY) {
      await Promise.all(
        keys
          .slice(i, i + DELETE_CONCURRENCY)
          .map(k =>
            this.client.send(
              new DeleteObjectCommand({ Bucket: this.bucket, Key: k }),
            ),
          ),
      );
    }
  }

  async size(prefix: string): Promise<number> {
    const normalized = normalizeArtifactPath(prefix);
    const key = this.key(normalized);
    let total = 0;
    // Listing by `key` also returns siblings such as `keyc`: keep the key and what is under it.
    for await (const object of this.listAll(key)) {
      const k = object.Key!;
      if (normalized === '' || k === key || k.startsWith(`${key}/`)) {
        total += object.Size ?? 0;
      }
    }
    return total;
  }

  private key(normalized: string): string {
    const key = this.keyPrefix + normalized;
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
      throw new InputError(
        `Invalid artifact path '${normalized.slice(
          0,
          100,
        )}...': its S3 key would be longer than ${MAX_KEY_BYTES} bytes`,
      );
    }
    return key;
  }

  /** Every object whose key starts with the prefix, page by page. */
  private async *listAll(prefix: string): AsyncGenerator<_Object> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield object;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

/** A missing key (GetObject's `NoSuchKey`); a missing bucket is a configuration error. */
function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** Skips keys that no normalized path maps to (written by other tools): `''`, `.`, `..`, `a//b`. */
function isPlainName(name: string | undefined): name is string {
  return !!name && name !== '.' && name !== '..' && !name.includes('/');
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
