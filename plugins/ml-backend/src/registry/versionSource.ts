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

/**
 * Where a new version's files are, by MLflow's rules: `runs:/<run_id>/<path>` resolves
 * to the run's artifact URI; a local path must lie in `run_id`'s artifacts, which the
 * caller must be able to read.
 *
 * @internal
 */
export async function resolveVersionSource(
  runs: RegistryRuns,
  caller: Caller,
  rawSource: unknown,
  rawRunId: string | undefined,
): Promise<{ source: string; runId?: string; experimentId?: string }> {
  if (typeof rawSource !== 'string' || rawSource === '') {
    throw new InputError(
      "Missing value for required parameter 'source'. See the API docs for more information about request parameters.",
    );
  }
  let source = rawSource;
  let runId = rawRunId || undefined;
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
    source = artifactPath ? `${root}/${artifactPath}` : root;
  } else if (isLocalSource(source)) {
    const inside =
      isLocalSource(root) &&
      `${localPath(source)}/`.startsWith(`${localPath(root)}/`);
    if (!inside) throw invalidLocalSource(source);
  }
  return { source, runId, experimentId: run.info.experimentId };
}
