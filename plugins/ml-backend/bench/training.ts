/*
 * npm run bench:training — admission throughput of the training scheduler on PostgreSQL,
 * and raw BullMQ throughput on the same Redis for comparison. Prints one line per figure,
 * then one JSON object. Creates and drops its own database; only 127.0.0.1 is contacted.
 *
 * Dispatch latency is measured in-process with a no-op compute target, so it is the
 * platform's own overhead: submit (validation, MLflow run, row, admission trigger) →
 * admission cycle → dispatch queue → target.dispatch.
 */
import { ConfigReader } from '@backstage/config';
import { Queue, Worker } from 'bullmq';
import { RedisConnection } from '../src/redis/RedisConnection';
import { openAccess } from '../src/__testUtils__/access';
import { Caller } from '../src/shared/caller';
import { readTrainingConfig } from '../src/training/config';
import { AdmissionCycle } from '../src/training/AdmissionCycle';
import { AttemptFollower } from '../src/training/AttemptFollower';
import { trainingWorkers } from '../src/training/createTraining';
import { DatabaseTrainingStore } from '../src/training/DatabaseTrainingStore';
import { DatabaseTrainingProfileStore } from '../src/training/DatabaseTrainingProfileStore';
import { JobSubmission } from '../src/training/JobSubmission';
import { TrainingQueues } from '../src/training/TrainingQueues';
import { DatabaseTrackingStore } from '../src/tracking/DatabaseTrackingStore';
import { TrackingService } from '../src/tracking/TrackingService';
import { withScratchDatabase } from './scratchDatabase';
import { mockServices } from '@backstage/backend-test-utils';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PENDING = 10_000;
const TEAMS = ['vision', 'recsys', 'nlp', 'search', 'ads'].map(
  t => `group:default/${t}`,
);
const POOLS = ['a100-spot', 'a100', 'h100', 'l4'];

async function main() {
  return withScratchDatabase('ml_bench_training', async ({ name, db }) => {
    // Quiet: the bench prints its own lines.
    const logger = mockServices.rootLogger({ level: 'none' });
    const redis = await RedisConnection.resolve({
      config: new ConfigReader({ ml: { redis: { url: REDIS_URL } } }),
      logger,
    });
    const queues = new TrainingQueues({ redis, logger, prefix: name });
    try {
      const config = readTrainingConfig(
        new ConfigReader({
          ml: {
            training: {
              pools: POOLS.map(pool => ({
                name: pool,
                target: 'local',
                gpuType: pool,
                gpusPerNode: 8,
                nodes: 8,
              })),
              profiles: POOLS.map(pool => ({
                name: pool,
                pools: [pool, 'a100-spot'],
              })),
              quotas: POOLS.flatMap(pool =>
                TEAMS.map(team => ({
                  team,
                  pool,
                  nominalGpus: 8,
                  borrowingLimitGpus: 8,
                })),
              ),
            },
          },
        }),
      );
      const now = Date.now();
      const rows = Array.from({ length: PENDING }, (_, i) => ({
        job_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        name: `job-${i}`,
        owner: TEAMS[i % TEAMS.length],
        status: 'PENDING',
        profile: POOLS[i % POOLS.length],
        priority: i % 3,
        gpus: 1 + (i % 4),
        spot_allowed: true,
        max_retries: 0,
        spec: JSON.stringify({
          name: `job-${i}`,
          command: ['true'],
          resources: { gpus: 1 + (i % 4) },
        }),
        created_at: now + i,
        updated_at: now + i,
      }));
      for (let i = 0; i < rows.length; i += 1000)
        await db('ml_jobs').insert(rows.slice(i, i + 1000));

      const admission = new AdmissionCycle({
        store: DatabaseTrainingStore.create({ knex: db }),
        config,
        targets: new Map([
          [
            'local',
            {
              id: 'local',
              dispatch: async () => ({ externalId: 'x' }),
              status: async () => ({ state: 'running' as const }),
              cancel: async () => {},
            },
          ],
        ]),
        queues,
      });
      let started = performance.now();
      await admission.run();
      const firstMs = performance.now() - started;
      started = performance.now();
      await admission.run();
      const steadyMs = performance.now() - started;
      const admitted = Number(
        (
          await db('ml_jobs')
            .where({ status: 'ADMITTED' })
            .count({ n: '*' })
            .first()
        )?.n,
      );
      const admissionPerS = Math.round(PENDING / (firstMs / 1000));
      console.log(
        `admission: first cycle decided ${PENDING} pending jobs (5 teams, 4 pools; ${admitted} admitted, the rest given a reason) in ${firstMs.toFixed(
          0,
        )} ms = ${admissionPerS} decisions/s`,
      );
      console.log(
        `admission: next cycle over the same queue (reasons unchanged, no writes) in ${steadyMs.toFixed(
          0,
        )} ms = ${Math.round(
          (PENDING - admitted) / (steadyMs / 1000),
        )} decisions/s`,
      );

      // Raw BullMQ on the same Redis: addBulk of no-op jobs, a concurrency-100 worker.
      const rawName = `${name}-raw`;
      const connection = redis.createClient('worker');
      const raw = new Queue(rawName, { connection });
      const N = 10_000;
      let done = 0;
      let finish!: () => void;
      const finished = new Promise<void>(r => (finish = r));
      const worker = new Worker(
        rawName,
        async () => {
          if (++done === N) finish();
        },
        { connection: redis.createClient('worker'), concurrency: 100 },
      );
      started = performance.now();
      for (let i = 0; i < N; i += 1000) {
        await raw.addBulk(
          Array.from({ length: 1000 }, (_, j) => ({
            name: 'noop',
            data: { i: i + j },
            opts: { removeOnComplete: true },
          })),
        );
      }
      await finished;
      const rawPerS = Math.round(N / ((performance.now() - started) / 1000));
      console.log(
        `bullmq raw: ${N} no-op jobs added in bulk and processed (concurrency 100) = ${rawPerS} jobs/s`,
      );
      await worker.close();
      await raw.obliterate({ force: true });
      await raw.close();
      const latency = await measureDispatch(
        db,
        redis,
        logger,
        `${name}-dispatch`,
      );
      console.log(
        `dispatch: ${
          latency.jobs
        } jobs submitted at 100/s; submit→dispatched p50 ${latency.p50.toFixed(
          1,
        )} ms, p99 ${latency.p99.toFixed(1)} ms; ${
          latency.jobsPerS
        } jobs/s end to end (no-op target)`,
      );
      console.log(
        JSON.stringify({
          admission_decisions_per_s: admissionPerS,
          dispatch_p50_ms: Number(latency.p50.toFixed(1)),
          dispatch_p99_ms: Number(latency.p99.toFixed(1)),
          jobs_per_s: latency.jobsPerS,
          bullmq_raw_jobs_per_s: rawPerS,
        }),
      );
    } finally {
      await queues.close();
      await redis.close();
    }
  });
}

/** Submits 1,000 jobs at 100/s through the real service, queues and workers. */
async function measureDispatch(
  db: any,
  redis: RedisConnection,
  logger: any,
  prefix: string,
) {
  await db('ml_jobs').delete();
  // Permissions off: the bench measures the platform's own overhead.
  const access = openAccess();
  const tracking = new TrackingService({
    store: DatabaseTrackingStore.create({ knex: db }),
    artifacts: undefined as never, // runs are created, no artifacts touched
    access,
    artifactRoot: id => `mlflow-artifacts:/${id}`,
    defaultOwner: 'group:default/vision',
  });
  await tracking.ensureDefaultExperiment();
  const dispatchedAt = new Map<string, number>();
  const config = readTrainingConfig(
    new ConfigReader({
      ml: {
        training: {
          pools: [
            {
              name: 'fast',
              target: 'noop',
              gpuType: 'none',
              gpusPerNode: 100000,
            },
          ],
          profiles: [{ name: 'fast', pools: ['fast'] }],
        },
      },
    }),
  );
  const queues = new TrainingQueues({ redis, logger, prefix });
  const store = DatabaseTrainingStore.create({ knex: db });
  const targets = new Map([
    [
      'noop',
      {
        id: 'noop',
        dispatch: async (request: { jobId: string }) => {
          dispatchedAt.set(request.jobId, performance.now());
          return { externalId: request.jobId };
        },
        status: async () => ({ state: 'running' as const }),
        cancel: async () => {},
      },
    ],
  ]);
  const admission = new AdmissionCycle({ store, config, targets, queues });
  const follower = new AttemptFollower({
    store,
    config,
    targets,
    queues,
    admission,
    trackingUri: 'http://127.0.0.1/api/ml/mlflow',
    logger,
  });
  await queues.startWorkers(trainingWorkers(admission, follower), 1000);
  const profiles = DatabaseTrainingProfileStore.create({ knex: db });
  await profiles.syncConfig(config.profiles);
  const submission = new JobSubmission({
    store,
    config,
    targets,
    queues,
    tracking,
    access,
    profiles,
  });
  const caller: Caller = {
    credentials: {} as never,
    kind: 'service',
    groups: ['group:default/vision'],
    owner: 'group:default/vision',
    userId: 'bench',
  };
  const JOBS = 1000;
  const submittedAt = new Map<string, number>();
  const submissions: Promise<void>[] = [];
  const first = performance.now();
  for (let i = 0; i < JOBS; i++) {
    const due = first + i * 10; // 100 per second
    const wait = due - performance.now();
    if (wait > 0) await new Promise(r => setTimeout(r, wait));
    const started = performance.now();
    submissions.push(
      submission
        .submit(caller, { name: `d${i}`, profile: 'fast', command: ['true'] })
        .then(job => {
          submittedAt.set(job.jobId, started);
        }),
    );
  }
  await Promise.all(submissions);
  const deadline = Date.now() + 60_000;
  while (dispatchedAt.size < JOBS && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 50));
  await queues.close();
  const latencies = [...submittedAt]
    .map(([jobId, at]) => (dispatchedAt.get(jobId) ?? Infinity) - at)
    .sort((a, b) => a - b);
  const last = Math.max(...dispatchedAt.values());
  return {
    jobs: JOBS,
    p50: latencies[Math.floor(JOBS * 0.5)],
    p99: latencies[Math.floor(JOBS * 0.99)],
    jobsPerS: Math.round(dispatchedAt.size / ((last - first) / 1000)),
  };
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
