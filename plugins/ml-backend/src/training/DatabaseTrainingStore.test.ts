import { createTestDatabases } from '../testUtils/databases';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { DatabaseTrainingStore } from './DatabaseTrainingStore';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'DatabaseTrainingStore on %p',
  databaseId => {
    it('ends an attempt and moves its job together or not at all', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: ML_MIGRATIONS_DIR,
        tableName: 'ml_knex_migrations',
      });
      const store = DatabaseTrainingStore.create({ knex });
      const { jobId } = await store.insertJob({
        owner: 'group:default/ml-platform',
        spec: { name: 'j', command: ['true'], resources: { gpus: 1 } },
        gpus: 1,
        priority: 0,
        spotAllowed: false,
        maxRetries: 0,
      });
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
          { state: 'SUCCEEDED', endedAt: 2 },
          { ...succeeded, extra: { no_such_column: 1 } },
        ),
      ).rejects.toThrow();
      expect(
        await knex('ml_job_attempts').where({ attempt_id: 'a1' }).first(),
      ).toMatchObject({ state: 'RUNNING' });

      await store.updateAttempt(
        'a1',
        { state: 'SUCCEEDED', endedAt: 2 },
        succeeded,
      );
      expect(
        await knex('ml_job_attempts').where({ attempt_id: 'a1' }).first(),
      ).toMatchObject({ state: 'SUCCEEDED' });
      expect((await store.getJob(jobId))?.status).toBe('SUCCEEDED');
      await knex.destroy();
    });
  },
);
