import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { Caller } from '../shared/caller';
import {
  ArtifactStore,
  normalizeArtifactFilePath,
} from '../tracking/artifacts/ArtifactStore';
import { TrackingService } from '../tracking/TrackingService';
import { jsonBody } from '../shared/jsonBody';
import { uploadBody } from './artifactsRouter';

const PREFIXES = [
  '/api/2.0/mlflow-artifacts',
  '/ajax-api/2.0/mlflow-artifacts',
];
/** S3's bound, which MLflow's clients split within. */
const MAX_PARTS = 10_000;
/** The header a part's upload proves its upload with (the credential's `headers`). */
const TOKEN_HEADER = 'x-mlflow-upload-token';

type Manifest = { path: string; numParts: number; tokenHash: string };

const sha256 = (text: string) =>
  createHash('sha256').update(text).digest('hex');

/** Where an upload's parts wait: below the experiment the target path starts with. */
function stagingDir(experimentId: string, uploadId: string): string {
  return `${experimentId}/.multipart/${uploadId}`;
}

function experimentOf(path: string): string {
  return path.split('/')[0];
}

/** A body's bytes read into one string; manifests and etags are small. */
async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function uploadIdOf(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{32}$/.test(value)) {
    throw new InputError(
      `Invalid value for parameter 'upload_id': ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * MLflow's multipart upload of proxied artifacts (mlflow_artifacts.proto:
 * CreateMultipartUpload, CompleteMultipartUpload, AbortMultipartUpload), so that large
 * files (checkpoints) go through the portal in parts rather than one request. MLflow's
 * client PUTs each part to the credential's URL with only the credential's headers, as
 * it would to a presigned cloud URL: the URLs point back here and the headers carry the
 * upload's secret token, whose hash the upload's manifest keeps. Parts wait in the
 * artifact store (`<experiment>/.multipart/<upload_id>/`), so any replica serves any
 * request of an upload; completing joins them into the target file in order.
 *
 * - `POST mpu/create/<path>` `{path, num_parts}` → `{upload_id, credentials: [{url,
 *   part_number, headers}]}`; write permission on the path's experiment.
 * - `PUT mpu/parts/<experiment>/<upload_id>/<part_number>` with the token header →
 *   `ETag` (the part's MD5, as S3's).
 * - `POST mpu/complete/<path>` `{path, upload_id, parts: [{part_number, etag}]}` → `{}`.
 * - `POST mpu/abort/<path>` `{path, upload_id}` → `{}`.
 *
 * The part URLs need no Backstage credentials (MLflow sends none to them): the plugin
 * lets `/mlflow/api/2.0/mlflow-artifacts/mpu/parts` in unauthenticated.
 *
 * @internal
 */
export function createMultipartUploadRouter(options: {
  store: ArtifactStore;
  tracking: TrackingService;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { store, tracking } = options;
  const router = Router();
  const json = jsonBody();

  /** The upload's manifest, when `path` is its target; NotFoundError otherwise. */
  async function manifestOf(
    experimentId: string,
    uploadId: string,
  ): Promise<Manifest> {
    try {
      const file = await store.get(
        `${stagingDir(experimentId, uploadId)}/manifest.json`,
      );
      return JSON.parse(await readText(file.body));
    } catch (error) {
      if ((error as Error).name === 'NotFoundError') {
        throw new NotFoundError(`No multipart upload with id ${uploadId}`);
      }
      throw error;
    }
  }

  /** The target path of a create/complete/abort request, authorized for writing. */
  async function writablePath(req: Request): Promise<string> {
    // The `*` of the route, URL-decoded by express.
    const raw = (req.params as Record<string, string>)[0] ?? '';
    const path = normalizeArtifactFilePath(raw);
    await tracking.authorizeArtifactPath(
      await options.resolveCaller(req),
      path,
      'write',
    );
    return path;
  }

  async function targetUpload(req: Request) {
    const path = await writablePath(req);
    const uploadId = uploadIdOf(req.body?.upload_id);
    const manifest = await manifestOf(experimentOf(path), uploadId);
    if (manifest.path !== path) {
      throw new InputError(
        `Multipart upload ${uploadId} is for '${manifest.path}', not '${path}'`,
      );
    }
    return { path, uploadId, manifest };
  }

  for (const prefix of PREFIXES) {
    router.post(`${prefix}/mpu/create/*`, json, async (req, res) => {
      const path = await writablePath(req);
      const numParts = Number(req.body?.num_parts ?? 1);
      if (
        !Number.isSafeInteger(numParts) ||
        numParts < 1 ||
        numParts > MAX_PARTS
      ) {
        throw new InputError(
          `Invalid value for parameter 'num_parts': between 1 and ${MAX_PARTS}, got ${req.body?.num_parts}`,
        );
      }
      const uploadId = randomBytes(16).toString('hex');
      const token = randomBytes(32).toString('base64url');
      const manifest: Manifest = { path, numParts, tokenHash: sha256(token) };
      const experimentId = experimentOf(path);
      await store.put(
        `${stagingDir(experimentId, uploadId)}/manifest.json`,
        Readable.from([JSON.stringify(manifest)]),
      );
      // Absolute, as a presigned URL is: the client PUTs to it as it stands.
      const base = `${req.protocol}://${req.get('host')}${
        req.baseUrl
      }${prefix}`;
      res.json({
        upload_id: uploadId,
        credentials: Array.from({ length: numParts }, (_, i) => ({
          url: `${base}/mpu/parts/${experimentId}/${uploadId}/${i + 1}`,
          part_number: i + 1,
          headers: { [TOKEN_HEADER]: token },
        })),
      });
    });

    router.put(
      `${prefix}/mpu/parts/:experimentId/:uploadId/:partNumber`,
      async (req, res) => {
        const { experimentId, partNumber } = req.params;
        const uploadId = uploadIdOf(req.params.uploadId);
        const manifest = await manifestOf(experimentId, uploadId);
        const token = req.get(TOKEN_HEADER) ?? '';
        const given = Buffer.from(sha256(token), 'hex');
        if (!timingSafeEqual(given, Buffer.from(manifest.tokenHash, 'hex'))) {
          throw new NotAllowedError(
            `The upload token does not match multipart upload ${uploadId}`,
          );
        }
        const part = Number(partNumber);
        if (
          !Number.isSafeInteger(part) ||
          part < 1 ||
          part > manifest.numParts
        ) {
          throw new InputError(
            `Part ${partNumber} is not one of the upload's ${manifest.numParts} parts`,
          );
        }
        const md5 = createHash('md5');
        const hashing = new Transform({
          transform(chunk, _encoding, done) {
            md5.update(chunk);
            done(null, chunk);
          },
        });
        const dir = stagingDir(experimentId, uploadId);
        await store.put(`${dir}/part-${part}`, uploadBody(req).pipe(hashing));
        const etag = `"${md5.digest('hex')}"`;
        await store.put(`${dir}/part-${part}.etag`, Readable.from([etag]));
        res.set('ETag', etag).json({});
      },
    );

    router.post(`${prefix}/mpu/complete/*`, json, async (req, res) => {
      const { path, uploadId, manifest } = await targetUpload(req);
      const dir = stagingDir(experimentOf(path), uploadId);
      const parts: unknown = req.body?.parts;
      if (!Array.isArray(parts) || parts.length !== manifest.numParts) {
        throw new InputError(
          `Multipart upload ${uploadId} has ${
            manifest.numParts
          } parts; the request lists ${
            Array.isArray(parts) ? parts.length : 'none'
          }`,
        );
      }
      const listed = parts.map(
        p => p as { part_number?: unknown; etag?: unknown },
      );
      for (let number = 1; number <= manifest.numParts; number++) {
        const entry = listed.find(p => Number(p.part_number) === number);
        let stored: string;
        try {
          stored = await readText(
            (
              await store.get(`${dir}/part-${number}.etag`)
            ).body,
          );
        } catch {
          throw new InputError(
            `Part ${number} of upload ${uploadId} was not uploaded`,
          );
        }
        if (!entry || entry.etag !== stored) {
          throw new InputError(
            `Part ${number} of upload ${uploadId}: ETag ${JSON.stringify(
              entry?.etag,
            )} is not the uploaded part's ${stored}`,
          );
        }
      }
      // The parts in order, one open at a time, streamed into the target file.
      const joined = new PassThrough();
      (async () => {
        for (let number = 1; number <= manifest.numParts; number++) {
          const { body } = await store.get(`${dir}/part-${number}`);
          for await (const chunk of body) {
            if (!joined.write(chunk)) {
              await new Promise(done => joined.once('drain', done));
            }
          }
        }
        joined.end();
      })().catch(error => joined.destroy(error));
      await store.put(path, joined);
      await store.delete(dir);
      res.json({});
    });

    router.post(`${prefix}/mpu/abort/*`, json, async (req, res) => {
      const { path, uploadId } = await targetUpload(req);
      await store.delete(stagingDir(experimentOf(path), uploadId));
      res.json({});
    });
  }
  return router;
}
