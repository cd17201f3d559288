import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { DatabaseTrainingStore } from './DatabaseTrainingStore';

const databases = createTestDatabases();

const POOL = {
  name: 'pool',
  target: 'local',
  spot: false,
  gpuType: 'cpu',
  region: 'local',
};

describe.each(databases.eachSupportedId())(
  'DatabaseTrainingStore on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabaseTrainingStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: ML_MIGRATIONS_DIR,
        tableName: 'ml_knex_migrations',
      });
      store = DatabaseTrainingStore.create({ knex });
    });

    afterEach(async () => {
      await knex.destroy();
    });

    const insert = () =>
      store.insertJob({
        owner: 'group:default/ml-platform',
        spec: { name: 'j', command: ['true'], resources: { gpus: 1 } },
        gpus: 1,
        priority: 0,
        spotAllowed: false,
        maxRetries: 0,
      });

    /** A job admitted to the pool, as an admission cycle leaves it. */
    async function admitted() {
      const { jobId } = await insert();
      await knex('ml_jobs')
        .where({ job_id: jobId })
        .update({ status: 'ADMITTED', pool: POOL.name });
      return (await store.getJob(jobId))!;
    }

    it('ends an attempt and moves its job together or not at all', async () => {
      const { jobId } = await insert();
      await knex('ml_jobs')
        .where({ job_id: jobId })
        .update({ status: 'RUNNING' });
      await knex('ml_job_attempts').insert({
        attempt_id: 'a1',
        job_id: jobId,
        attempt_number: 1,
        pool: 'pool',
        target: 'local',
        external_name: 'ml-a1',
        state: 'RUNNING',
        spot: false,
        gpus: 1,
        gpu_type: 'cpu',
        region: 'local',
      });
      const succeeded = {
        jobId,
        from: ['RUNNING' as const],
        to: 'SUCCEEDED' as const,
        type: 'succeeded',
        message: 'Attempt 1 succeeded',
      };

      // The job's half fails: the attempt stays active, for the next tick to end.
      await expect(
        store.updateAttempt(
          'a1',
          ['RUNNING'],
          { state: 'SUCCEEDED', endedAt: 2 },
          { ...succeeded, extra: { no_such_column: 1 } },
        ),
      ).rejects.toThrow();
      expect(
        await knex('ml_job_attempts').where({ attempt_id: 'a1' }).first(),
      ).toMatchObject({ state: 'RUNNING' });

      expect(
        await store.updateAttempt(
          'a1',
          ['RUNNING'],
          { state: 'SUCCEEDED', endedAt: 2 },
          succeeded,
        ),
      ).toBe('updated');
      expect(
        await knex('ml_job_attempts').where({ attempt_id: 'a1' }).first(),
      ).toMatchObject({ state: 'SUCCEEDED' });
      expect((await store.getJob(jobId))?.status).toBe('SUCCEEDED');
    });

    it('changes an attempt only from the state the caller expects', async () => {
      const job = await admitted();
      const attempt = (await store.startAttempt(job, POOL))!;
      expect(attempt.state).toBe('DISPATCHING');
      const cancelled = await store.cancelJob(job.jobId, 'Cancelled by test');
      expect(cancelled?.map(a => a.attemptId)).toEqual([attempt.attemptId]);

      // A dispatch finishing after the cancel does not put the attempt back.
      expect(
        await store.updateAttempt(
          attempt.attemptId,
          ['DISPATCHING'],
          { state: 'PENDING', externalId: '42' },
          {
            jobId: job.jobId,
            from: ['DISPATCHING'],
            to: 'RUNNING',
            type: 'dispatched',
            message: 'Dispatched',
          },
        ),
      ).toBe('attempt-moved');
      expect(await store.getAttempt(attempt.attemptId)).toMatchObject({
        state: 'CANCELLED',
        exitReason: 'cancelled',
      });
      expect((await store.getJob(job.jobId))?.status).toBe('CANCELLED');
      // Nor does a cancel of a job already over.
      expect(await store.cancelJob(job.jobId, 'again')).toBeUndefined();
    });

    it('rolls back a change that keeps an attempt active when its job has moved, and keeps one that ends it', async () => {
      const job = await admitted();
      const attempt = (await store.startAttempt(job, POOL))!;
      // The job moves without its attempt (as no path of the service does any more).
      await knex('ml_jobs')
        .where({ job_id: job.jobId })
        .update({ status: 'CANCELLED' });
      const toRunning = {
        jobId: job.jobId,
        from: ['DISPATCHING' as const],
        to: 'RUNNING' as const,
        type: 'dispatched',
        message: 'Dispatched',
      };
      expect(
        await store.updateAttempt(
          attempt.attemptId,
          ['DISPATCHING'],
          { state: 'PENDING', externalId: '42' },
          toRunning,
        ),
      ).toBe('job-moved');
      expect(await store.getAttempt(attempt.attemptId)).toMatchObject({
        state: 'DISPATCHING',
      });
      expect(
        await store.updateAttempt(
          attempt.attemptId,
          ['DISPATCHING'],
          { state: 'FAILED', endedAt: 1, exitReason: 'x' },
          { ...toRunning, to: 'FAILED' },
        ),
      ).toBe('job-moved');
      expect(await store.getAttempt(attempt.attemptId)).toMatchObject({
        state: 'FAILED',
      });
      expect((await store.getJob(job.jobId))?.status).toBe('CANCELLED');
    });

    it('starts no attempt for a job cancelled before its dispatch began, and one per job otherwise', async () => {
      const job = await admitted();
      await store.cancelJob(job.jobId, 'Cancelled by test');
      expect(await store.startAttempt(job, POOL)).toBeUndefined();
      expect(await store.attempts(job.jobId)).toEqual([]);

      const other = await admitted();
      const first = await store.startAttempt(other, POOL);
      const replay = await store.startAttempt(
        (await store.getJob(other.jobId))!,
        POOL,
      );
      expect(replay?.attemptId).toBe(first?.attemptId);
      expect(await store.attempts(other.jobId)).toHaveLength(1);
    });

    it('creates a job and its MLflow run in one transaction, or neither', async () => {
      const run = {
        experimentId: '0',
        runName: 'with-run',
        userId: 'user:default/a',
        artifactLocation: 'mlflow-artifacts:/0',
        tags: [{ key: 'ml.platform/source', value: 'training-job' }],
      };
      await knex('ml_experiments').insert({
        experiment_id: 0,
        name: 'Default',
        owner: 'group:default/ml-platform',
        artifact_location: 'mlflow-artifacts:/0',
        lifecycle_stage: 'active',
        creation_time: 1,
        last_update_time: 1,
      });
      const job = await store.insertJob({
        owner: 'group:default/ml-platform',
        spec: { name: 'with-run', command: ['true'], resources: { gpus: 1 } },
        gpus: 1,
        priority: 0,
        spotAllowed: false,
        maxRetries: 0,
        run,
      });
      expect(job.runId).toMatch(/^[0-9a-f]{32}$/);
      expect(job.experimentId).toBe('0');
      expect(
        await knex('ml_runs').where({ run_uuid: job.runId }).first(),
      ).toMatchObject({
        name: 'with-run',
        user_id: 'user:default/a',
        status: 'RUNNING',
        artifact_uri: `mlflow-artifacts:/0/${job.runId}/artifacts`,
      });

      // The job's part fails after the run was written: no run is left behind.
      const runsBefore = await knex('ml_runs').count({ n: '*' }).first();
      const failingLineage = DatabaseTrainingStore.create({
        knex,
        lineage: {
          record: async () => {
            throw new Error('lineage write failed');
          },
        },
      });
      await expect(
        failingLineage.insertJob({
          owner: 'group:default/ml-platform',
          spec: { name: 'fails', command: ['true'], resources: { gpus: 1 } },
          gpus: 1,
          priority: 0,
          spotAllowed: false,
          maxRetries: 0,
          run: { ...run, runName: 'orphan?' },
          lineage: (jobId, runId) => [
            {
              from: { kind: 'job', id: jobId },
              to: { kind: 'run', id: runId! },
              relation: 'produced',
            },
          ],
        }),
      ).rejects.toThrow('lineage write failed');
      expect(await knex('ml_runs').count({ n: '*' }).first()).toEqual(
        runsBefore,
      );
      expect(await knex('ml_runs').where({ name: 'orphan?' })).toEqual([]);
      expect(await knex('ml_jobs').where({ name: 'fails' })).toEqual([]);
    });
  },
);
