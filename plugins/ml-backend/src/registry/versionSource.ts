import path from 'node:path';
import { InputError } from '@backstage/errors';
import { Caller } from '../shared/caller';
import { trimBoth, trimTrailing } from '../shared/strings';
import { RegistryRuns } from './registryRuns';

const hasScheme = (uri: string) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri);
const isLocalSource = (uri: string) =>
  !hasScheme(uri) || uri.startsWith('file:');
const localPath = (uri: string) =>
  path.posix.normalize(uri.replace(/^file:(\/\/)?/, ''));

function invalidLocalSource(source: string) {
  return new InputError(
    `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
  );
}

/** Where a version's files are, the run it came from and the logged model it is. */
type ResolvedSource = {
  source: string;
  runId?: string;
  experimentId?: string;
  modelId?: string;
};

/** `models:/m-<hex>`: a logged model, not a registered model's `models:/<name>/<version>`. */
const LOGGED_MODEL_URI = /^models:\/(m-[0-9a-f]{32})\/?$/;

/**
 * A version of an MLflow 3 logged model: `source` is `models:/<model_id>` or lies in the
 * model's artifacts; the run is the model's source run unless the request names one.
 */
async function loggedModelSource(
  runs: RegistryRuns,
  caller: Caller,
  source: string,
  modelId: string,
  runId: string | undefined,
): Promise<ResolvedSource> {
  if (!runs.getLoggedModel) {
    throw new InputError(`Unknown logged model '${modelId}'`);
  }
  const model = await runs.getLoggedModel(caller, modelId);
  const root = trimTrailing(model.artifactUri, '/');
  const inside =
    LOGGED_MODEL_URI.exec(source)?.[1] === modelId ||
    `${trimTrailing(source, '/')}/`.startsWith(`${root}/`);
  if (!inside || source.split('/').includes('..')) {
    throw new InputError(
      `Invalid model version source: '${source}'. A version of logged model '${modelId}' has source 'models:/${modelId}' or a path inside its artifacts (${root}).`,
    );
  }
  return {
    source,
    runId: runId ?? model.sourceRunId,
    experimentId: model.experimentId,
    modelId,
  };
}

/**
 * Where a new version's files are, by MLflow's rules: `models:/<model_id>` (or a
 * `model_id`) names an MLflow 3 logged model; `runs:/<run_id>/<path>` resolves to the
 * run's logged model named `path` when the run's own artifacts hold no model there (as
 * MLflow 3's client does), else to the run's artifact URI; a local path must lie in
 * `run_id`'s artifacts, which the caller must be able to read.
 *
 * @internal
 */
export async function resolveVersionSource(
  runs: RegistryRuns,
  caller: Caller,
  rawSource: unknown,
  rawRunId: string | undefined,
  rawModelId?: string,
): Promise<ResolvedSource> {
  if (typeof rawSource !== 'string' || rawSource === '') {
    throw new InputError(
      "Missing value for required parameter 'source'. See the API docs for more information about request parameters.",
    );
  }
  let source = rawSource;
  let runId = rawRunId || undefined;
  const modelUri = LOGGED_MODEL_URI.exec(rawSource)?.[1];
  if (modelUri && rawModelId && rawModelId !== modelUri) {
    throw new InputError(
      `The model_id '${rawModelId}' differs from the logged model of source '${rawSource}'`,
    );
  }
  const modelId = rawModelId || modelUri;
  if (modelId) {
    return loggedModelSource(runs, caller, rawSource, modelId, runId);
  }
  const runsUri = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(rawSource);
  if (runsUri) {
    if (runId && runId !== runsUri[1]) {
      throw new InputError(
        `The run_id '${runId}' differs from the run of source '${rawSource}'`,
      );
    }
    runId = runsUri[1];
  }
  if (!runId) {
    if (isLocalSource(source)) throw invalidLocalSource(source);
    return { source };
  }
  const run = await runs.getRun(caller, runId);
  const root = trimTrailing(run.info.artifactUri, '/');
  if (runsUri) {
    const artifactPath = trimBoth(runsUri[2] ?? '', '/');
    if (artifactPath.split('/').includes('..')) {
      throw new InputError(`Invalid model version source: '${rawSource}'`);
    }
    const logged =
      artifactPath &&
      (await runs.loggedModelOfRun?.(caller, runId, artifactPath));
    if (logged) {
      return {
        source: `models:/${logged.modelId}`,
        runId,
        experimentId: logged.experimentId,
        modelId: logged.modelId,
      };
    }
    source = artifactPath ? `${root}/${artifactPath}` : root;
  } else if (isLocalSource(source)) {
    const inside =
      isLocalSource(root) &&
      `${localPath(source)}/`.startsWith(`${localPath(root)}/`);
    if (!inside) throw invalidLocalSource(source);
  }
  return { source, runId, experimentId: run.info.experimentId };
}
