import { posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import Router from 'express-promise-router';
import { InputError } from '@backstage/errors';
import {
  ArtifactStore,
  ArtifactTooLargeError,
  normalizeArtifactFilePath,
  normalizeArtifactPath,
} from '../tracking/artifacts/ArtifactStore';
import { mlflowErrorHandler } from './errors';

/** MLflow serves every endpoint under both prefixes; its web UI uses `/ajax-api`. */
const LIST_ROUTES = ['/api/2.0', '/ajax-api/2.0'].map(
  prefix => `${prefix}/mlflow-artifacts/artifacts`,
);
/** The artifact path is the `*`. */
const FILE_ROUTES = LIST_ROUTES.map(route => `${route}/*`);

/** Served as `text/plain`, as MLflow's `_guess_mime_type` does, so the UI can show them. */
const TEXT_EXTENSIONS = new Set(
  'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst'.split(
    ' ',
  ),
);
const TEXT_FILE_NAMES = new Set(['MLmodel', 'MLproject']);

/**
 * MLflow's proxied artifact API (`mlflow server --serve-artifacts`), which MLflow clients
 * use for `mlflow-artifacts:` URIs: `mlflow-artifacts:/<path>` is
 * `<tracking URI>/api/2.0/mlflow-artifacts/artifacts/<path>`. Paths are relative to the
 * store root; a run's artifacts are under `<experimentId>/<runId>/artifacts`.
 *
 * Served under `/api/2.0` and `/ajax-api/2.0`, relative to where it is mounted.
 *
 * - `PUT .../artifacts/<path>`: upload; the raw request body, streamed into the store, at
 *   most the store's `maxUploadBytes` (413 beyond, at the first byte over the limit, or
 *   before any byte when `Content-Length` says so).
 * - `GET .../artifacts/<path>`: download, streamed, as an attachment.
 * - `GET .../artifacts?path=<dir>`: list a directory, `{"files": [{"path", "is_dir",
 *   "file_size"}]}` with paths relative to the directory listed.
 * - `DELETE .../artifacts/<path>`: delete a file or a directory tree.
 *
 * Errors come out as MLflow bodies (`{"error_code", "message"}`). Mount it before any body
 * parser: it reads upload bodies itself.
 *
 * @internal
 */
export function createMlflowArtifactsRouter(options: {
  store: ArtifactStore;
  /** Logs server errors (5xx) and downloads that broke off. */
  logError?: (error: unknown) => void;
}): express.Router {
  const { store, logError = () => {} } = options;
  const router = Router();

  router.get(LIST_ROUTES, async (req, res) => {
    const path = req.query.path ?? '';
    if (typeof path !== 'string') {
      throw new InputError("Query parameter 'path' must be a single string");
    }
    const files = await store.list(normalizeArtifactPath(path));
    res.json({
      files: files.map(file => ({
        path: posix.basename(file.path),
        is_dir: file.isDir,
        ...(file.isDir ? {} : { file_size: file.fileSize }),
      })),
    });
  });

  router.get(FILE_ROUTES, async (req, res) => {
    const path = normalizeArtifactFilePath(wildcard(req));
    await sendArtifact(res, path, await store.get(path), logError);
  });

  router.put(FILE_ROUTES, async (req, res) => {
    const path = normalizeArtifactFilePath(wildcard(req));
    if (req.readableEnded) {
      throw new Error(
        'The upload body was consumed before the MLflow artifacts router; mount it before any body parser',
      );
    }
    const declared = Number(req.get('content-length'));
    try {
      if (declared > store.maxUploadBytes) {
        throw new ArtifactTooLargeError(path, store.maxUploadBytes);
      }
      await store.put(path, uploadBody(req));
    } catch (error) {
      if (error instanceof ArtifactTooLargeError) {
        // The rest of the body is not read: the connection closes after the answer.
        res.set('Connection', 'close');
      }
      throw error;
    }
    res.json({});
  });

  router.delete(FILE_ROUTES, async (req, res) => {
    await store.delete(normalizeArtifactFilePath(wildcard(req)));
    res.json({});
  });

  router.use(mlflowErrorHandler({ logError }));
  return router;
}

/**
 * Streams an artifact as an attachment, never rendered on the portal's origin (as
 * MLflow does); text files as `text/plain` so the UI can show them.
 *
 * @internal
 */
export async function sendArtifact(
  res: express.Response,
  path: string,
  file: { body: Readable; size?: number },
  logError: (error: unknown) => void,
) {
  const name = posix.basename(path);
  res.attachment(name); // also sets Content-Type by extension
  if (TEXT_FILE_NAMES.has(name) || TEXT_EXTENSIONS.has(extension(name))) {
    res.type('text/plain');
  }
  res.set('X-Content-Type-Options', 'nosniff');
  if (file.size !== undefined) {
    res.set('Content-Length', String(file.size));
  }
  try {
    await pipeline(file.body, res);
  } catch (error) {
    // The status line is out; the connection is closed so the client sees a short body.
    if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logError(
        new Error(`Download of artifact '${path}' broke off: ${error}`, {
          cause: error,
        }),
      );
    }
  }
}

/**
 * The request body as a stream of its own: a store that stops reading (an upload over
 * the limit) destroys this stream, not the request, so an answer can still be sent. A
 * request that breaks off fails the stream.
 *
 * @internal
 */
export function uploadBody(req: express.Request): Readable {
  const body = new PassThrough();
  req.on('error', error => body.destroy(error));
  req.on('close', () => {
    if (!req.readableEnded) {
      body.destroy(new Error('The upload broke off before its end'));
    }
  });
  return req.pipe(body);
}

/** The `*` of an artifact route, URL-decoded by express. */
function wildcard(req: express.Request): string {
  return (req.params as Record<string, string | undefined>)[0] ?? '';
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1) : '';
}
