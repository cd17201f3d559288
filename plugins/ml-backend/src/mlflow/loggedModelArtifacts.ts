import express, { Request } from 'express';
import Router from 'express-promise-router';
import { InputError } from '@backstage/errors';
import { Caller } from '../shared/caller';
import { TrackingService } from '../tracking/TrackingService';
import { sendArtifact } from './artifactsRouter';

const PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];

/** A single-string query parameter, `''` when absent. */
function queryPath(req: Request, name: string): string {
  const value = req.query[name] ?? '';
  if (typeof value !== 'string') {
    throw new InputError(`Query parameter '${name}' must be a single string`);
  }
  return value;
}

const modelIdOf = (req: Request) =>
  (req.params as Record<string, string>).model_id;

/**
 * A logged model's artifacts as MLflow 3's server serves them, relative to the model's
 * artifact root: `GET logged-models/{model_id}/artifacts/directories
 * ?artifact_directory_path=` lists (ListLoggedModelArtifacts: `root_uri`, `files`) and
 * `GET logged-models/{model_id}/artifacts/files?artifact_file_path=` downloads. The
 * model's files themselves are written through the proxied artifact API, below its
 * experiment.
 *
 * @internal
 */
export function loggedModelArtifactRoutes(options: {
  tracking: TrackingService;
  resolveCaller: (req: Request) => Promise<Caller>;
  logError: (error: unknown) => void;
}): express.Router {
  const { tracking, resolveCaller } = options;
  const router = Router();
  for (const prefix of PREFIXES) {
    const base = `${prefix}/logged-models/:model_id/artifacts`;
    router.get(`${base}/directories`, async (req, res) => {
      const { rootUri, files } = await tracking.listLoggedModelArtifacts(
        await resolveCaller(req),
        modelIdOf(req),
        queryPath(req, 'artifact_directory_path'),
      );
      res.json({
        root_uri: rootUri,
        files: files.map(f => ({
          path: f.path,
          is_dir: f.isDir,
          ...(f.fileSize !== undefined && { file_size: f.fileSize }),
        })),
      });
    });
    router.get(`${base}/files`, async (req, res) => {
      const path = queryPath(req, 'artifact_file_path');
      const file = await tracking.getLoggedModelArtifact(
        await resolveCaller(req),
        modelIdOf(req),
        path,
      );
      await sendArtifact(res, path, file, options.logError);
    });
  }
  return router;
}
