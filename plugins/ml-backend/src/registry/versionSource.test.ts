import { InputError, NotAllowedError } from '@backstage/errors';
import { Run } from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';
import { RegistryRuns } from './registryRuns';
import { resolveVersionSource } from './versionSource';

const caller = { userId: 'user:default/a' } as Caller;

/** Runs whose artifacts lie under `root`; `secret` is a run the caller may not read. */
function runsUnder(root: string): RegistryRuns {
  return {
    async getRun(_caller, runId) {
      if (runId === 'secret') throw new NotAllowedError('not yours');
      return {
        info: { runId, experimentId: '7', artifactUri: `${root}/${runId}/` },
      } as Run;
    },
    latestMetrics: async () => undefined,
  };
}

describe('resolveVersionSource', () => {
  const local = runsUnder('file:///data/artifacts');
  const remote = runsUnder('mlflow-artifacts:/7');

  it("resolves runs:/ URIs to the run's artifacts", async () => {
    await expect(
      resolveVersionSource(remote, caller, 'runs:/r1/model/', undefined),
    ).resolves.toEqual({
      source: 'mlflow-artifacts:/7/r1/model',
      runId: 'r1',
      experimentId: '7',
    });
    await expect(
      resolveVersionSource(remote, caller, 'runs:/r1', 'r1'),
    ).resolves.toMatchObject({ source: 'mlflow-artifacts:/7/r1' });
    await expect(
      resolveVersionSource(remote, caller, 'runs:/r1/../r2/model', undefined),
    ).rejects.toThrow(
      new InputError("Invalid model version source: 'runs:/r1/../r2/model'"),
    );
    await expect(
      resolveVersionSource(remote, caller, 'runs:/r1/model', 'r2'),
    ).rejects.toThrow(
      "The run_id 'r2' differs from the run of source 'runs:/r1/model'",
    );
  });

  it('takes a remote source as it is, and a local one only inside its run', async () => {
    await expect(
      resolveVersionSource(remote, caller, 's3://bucket/model', undefined),
    ).resolves.toEqual({ source: 's3://bucket/model' });
    await expect(
      resolveVersionSource(local, caller, '/data/artifacts/r1/model', 'r1'),
    ).resolves.toEqual({
      source: '/data/artifacts/r1/model',
      runId: 'r1',
      experimentId: '7',
    });
    for (const [source, runId, runs] of [
      ['/data/artifacts/r1/model', undefined, local],
      ['file:///data/artifacts/r2/model', 'r1', local],
      ['/data/artifacts/r1/../r2/model', 'r1', local],
      ['/data/artifacts/r1/model', 'r1', remote],
    ] as const) {
      await expect(
        resolveVersionSource(runs, caller, source, runId),
      ).rejects.toThrow(/To use a local path as a model version source/);
    }
  });

  it('needs a source and a run the caller may read', async () => {
    await expect(
      resolveVersionSource(remote, caller, '', undefined),
    ).rejects.toThrow("Missing value for required parameter 'source'");
    await expect(
      resolveVersionSource(remote, caller, 'runs:/secret/model', undefined),
    ).rejects.toThrow(NotAllowedError);
  });
});
