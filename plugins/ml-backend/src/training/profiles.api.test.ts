import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  PLATFORM,
  RECSYS,
  PAT,
  BOB,
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';
import { userRequests } from '../__testUtils__/userRequests';

const databases = createTestDatabases();

/** Two pools: CPU on demand, and priced A100 spot capacity. */
const POOLS = [
  {
    name: 'local-cpu',
    target: 'local',
    gpuType: 'cpu',
    gpusPerNode: 4,
    nodes: 1,
  },
  {
    name: 'gpu-spot',
    target: 'local',
    gpuType: 'A100-80GB',
    gpusPerNode: 8,
    spot: true,
    gpuHourUsd: 4,
    spotGpuHourUsd: 1.5,
  },
];

/** A portal on `knex` with the portal policy: pat is on the platform team, bob in recsys. */
async function portal(knex: Knex, profiles: object[]) {
  const started = await startPortal({
    database: knex,
    features: [
      ...tenancyPermissionFeatures,
      userInfoByTeam({ [PAT]: [PLATFORM], [BOB]: [RECSYS] }),
    ],
    config: { permission: { enabled: true } },
    ml: {
      permissions: { platformGroups: [PLATFORM] },
      training: {
        pools: POOLS,
        profiles,
        local: { enabled: true, allowedGroups: [PLATFORM, RECSYS] },
      },
    },
  });
  return {
    ...started,
    pat: userRequests(started.server, PAT),
    bob: userRequests(started.server, BOB),
  };
}

const localSmall = {
  name: 'local-small',
  description: 'The example training',
  pools: ['local-cpu'],
  defaults: { gpus: 1, maxRuntimeSeconds: 3600 },
  limits: { maxGpus: 2 },
};

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())(
  'training profiles on %p',
  databaseId => {
    let knex: Knex;
    let stops: Array<() => Promise<void>>;
    beforeEach(async () => {
      knex = await databases.init(databaseId);
      stops = [];
    });
    afterEach(async () => {
      for (const stop of stops) await stop();
    });
    const start = async (profiles: object[]) => {
      const started = await portal(knex, profiles);
      stops.push(started.stop);
      return started;
    };

    it("lists config's profiles at version 1 for every reader, owned by the platform group", async () => {
      const { bob } = await start([localSmall]);
      const listed = await bob.get('/training/profiles');
      expect(listed.status).toBe(200);
      // The shape clients read before profiles had versions is all still there.
      expect(listed.body.items).toEqual([
        {
          name: 'local-small',
          description: 'The example training',
          pools: ['local-cpu'],
          defaults: { gpus: 1, maxRuntimeSeconds: 3600 },
          limits: { maxGpus: 2 },
          owner: PLATFORM,
          version: 1,
          spotPolicy: 'allowed',
          source: 'config',
          createdAt: expect.any(Number),
        },
      ]);
    });

    it('makes a new version per change; jobs keep the version they were submitted with', async () => {
      const { pat } = await start([localSmall]);
      const first = await pat.post('/training/jobs', {
        name: 'on-v1',
        profile: 'local-small',
        command: ['true'],
        resources: { gpus: 2 },
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        profile: 'local-small',
        profileVersion: 1,
      });

      const updated = await pat.putJson('/training/profiles/local-small', {
        ...localSmall,
        name: undefined,
        limits: { maxGpus: 1 },
        defaults: { gpus: 1, maxRuntimeSeconds: 600, image: 'python:3.12' },
        baseVersion: 1,
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        version: 2,
        source: 'api',
        createdBy: PAT,
        limits: { maxGpus: 1 },
      });

      // The first job still says v1, and v1 still says what it allowed.
      expect(
        (await pat.get(`/training/jobs/${first.body.jobId}`)).body,
      ).toMatchObject({ profileVersion: 1, gpus: 2 });
      expect(
        (await pat.get('/training/profiles/local-small/versions/1')).body,
      ).toMatchObject({ version: 1, limits: { maxGpus: 2 } });
      expect(
        (
          await pat.get('/training/profiles/local-small/versions')
        ).body.items.map((v: { version: number }) => v.version),
      ).toEqual([2, 1]);

      // New jobs are held to v2: its limit and its defaults.
      const over = await pat.post('/training/jobs', {
        name: 'too-big',
        profile: 'local-small',
        command: ['true'],
        resources: { gpus: 2 },
      });
      expect(over.status).toBe(400);
      expect(over.body.error.message).toContain(
        "profile 'local-small' allows at most 1 GPUs",
      );
      const second = await pat.post('/training/jobs', {
        name: 'on-v2',
        profile: 'local-small',
        command: ['true'],
      });
      expect(second.body).toMatchObject({
        profileVersion: 2,
        spec: { image: 'python:3.12', maxRuntimeSeconds: 600 },
      });

      // A change made from v1 came too late.
      const stale = await pat.putJson('/training/profiles/local-small', {
        pools: ['local-cpu'],
        baseVersion: 1,
      });
      expect(stale.status).toBe(409);
    });

    it("counts a pending job in its own version's pools after the profile moves to others", async () => {
      const { pat } = await start([localSmall]);
      const job = await pat.post('/training/jobs', {
        name: 'waits-on-v1',
        profile: 'local-small',
        command: ['true'],
      });
      expect(job.body).toMatchObject({ status: 'PENDING', profileVersion: 1 });
      const moved = await pat.putJson('/training/profiles/local-small', {
        pools: ['gpu-spot'],
      });
      expect(moved.body).toMatchObject({ version: 2, pools: ['gpu-spot'] });
      const pending = Object.fromEntries(
        (await pat.get('/training/pools')).body.items.map(
          (p: { name: string; pendingJobs: number }) => [p.name, p.pendingJobs],
        ),
      );
      expect(pending).toEqual({ 'local-cpu': 1, 'gpu-spot': 0 });
    });

    it('lets only the platform team create and only the owner change a profile', async () => {
      const { pat, bob } = await start([localSmall]);
      const created = await pat.post('/training/profiles', {
        name: 'gpu-spot',
        pools: ['gpu-spot'],
        spotPolicy: 'required',
        defaults: { gpus: 1, checkpointIntervalSeconds: 300 },
        limits: { maxGpus: 8, maxCostPerJobUsd: 50 },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'gpu-spot',
        owner: PLATFORM,
        version: 1,
        source: 'api',
      });

      const byBob = await bob.post('/training/profiles', {
        name: 'recsys-own',
        pools: ['local-cpu'],
      });
      expect(byBob.status).toBe(403);
      expect(byBob.body.error.message).toContain(
        'lacks the permission ml.trainingProfile.create',
      );
      const editByBob = await bob.putJson('/training/profiles/local-small', {
        pools: ['local-cpu'],
        limits: { maxGpus: 4 },
      });
      expect(editByBob.status).toBe(403);
      expect(editByBob.body.error.message).toContain(
        "may not update training profile 'local-small' owned by group:default/ml-platform",
      );
      // Nor may the owner hand it to a group they are not in.
      const handOver = await pat.putJson('/training/profiles/local-small', {
        pools: ['local-cpu'],
        owner: RECSYS,
      });
      expect(handOver.status).toBe(403);
      expect(
        (await bob.get('/training/profiles/local-small')).body.version,
      ).toBe(1);
    });

    it('refuses bad profiles with 400 naming the field', async () => {
      const { pat } = await start([localSmall]);
      const cases: Array<[object, string]> = [
        [{ name: 'x', pools: ['h100'] }, "pools: unknown GPU pool 'h100'"],
        [
          { name: 'x', pools: ['local-cpu'], spotPolicy: 'required' },
          "spotPolicy: 'required' needs a spot pool",
        ],
        [
          {
            name: 'x',
            pools: ['local-cpu'],
            defaults: { gpus: 4 },
            limits: { maxGpus: 2 },
          },
          'defaults.gpus: 4 is over limits.maxGpus (2)',
        ],
        [{ name: 'Not A Name', pools: ['local-cpu'] }, 'name'],
        [{ name: 'x', pools: [] }, 'pools'],
        [{ pools: ['local-cpu'] }, 'name: Required'],
      ];
      for (const [body, message] of cases) {
        const res = await pat.post('/training/profiles', body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        expect(res.body.error.message).toContain(message);
      }
      const taken = await pat.post('/training/profiles', localSmall);
      expect(taken.status).toBe(409);
      expect((await pat.get('/training/profiles/nope')).status).toBe(404);
    });

    it("enforces the spot policy, the profile's pools and its cost ceiling at submission", async () => {
      const { bob, pat } = await start([
        localSmall,
        {
          name: 'gpu-capped',
          pools: ['gpu-spot'],
          spotPolicy: 'never',
          defaults: { gpus: 1 },
          limits: { maxGpus: 8, maxCostPerJobUsd: 40 },
        },
      ]);
      const submit = (spec: object) =>
        bob.post('/training/jobs', {
          name: 'j',
          profile: 'gpu-capped',
          command: ['true'],
          ...spec,
        });
      // Never spot: on demand at $4/GPU-hour.
      const spot = await submit({ spotAllowed: true, maxRuntimeSeconds: 60 });
      expect(spot.status).toBe(400);
      expect(spot.body.error.message).toContain(
        "spotAllowed: the profile's spot policy is 'never'",
      );
      const unbounded = await submit({});
      expect(unbounded.status).toBe(400);
      expect(unbounded.body.error.message).toContain(
        "maxRuntimeSeconds: profile 'gpu-capped' v1 caps a job's cost at $40.00; set a runtime limit",
      );
      // 2 GPUs × 6 h × $4 = $48 > $40.
      const dear = await submit({
        resources: { gpus: 2 },
        maxRuntimeSeconds: 6 * 3600,
      });
      expect(dear.status).toBe(400);
      expect(dear.body.error.message).toContain(
        '21600 s on 2 GPUs in gpu-spot at $4.00/GPU-hour may cost $48.00',
      );
      // 2 GPUs × 5 h × $4 = $40: within.
      const within = await submit({
        resources: { gpus: 2 },
        maxRuntimeSeconds: 5 * 3600,
      });
      expect(within.status).toBe(201);
      expect(within.body).toMatchObject({
        spotAllowed: false,
        profileVersion: 1,
      });
      // A pool outside the profile is refused.
      const elsewhere = await pat.post('/training/jobs', {
        name: 'j',
        profile: 'local-small',
        pool: 'gpu-spot',
        command: ['true'],
      });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.error.message).toContain(
        "pool: profile 'local-small' v1 allows pools local-cpu, not 'gpu-spot'",
      );
    });

    it("keeps an API edit over unchanged config at restart, and takes config's change as a new version", async () => {
      const first = await start([localSmall]);
      expect(
        (
          await first.pat.putJson('/training/profiles/local-small', {
            pools: ['local-cpu'],
            limits: { maxGpus: 1 },
          })
        ).body.version,
      ).toBe(2);
      await first.stop();
      stops = [];

      const again = await start([localSmall]);
      expect(
        (await again.pat.get('/training/profiles/local-small')).body,
      ).toMatchObject({ version: 2, source: 'api', limits: { maxGpus: 1 } });
      await again.stop();
      stops = [];

      const changed = await start([{ ...localSmall, limits: { maxGpus: 4 } }]);
      expect(
        (await changed.pat.get('/training/profiles/local-small')).body,
      ).toMatchObject({ version: 3, source: 'config', limits: { maxGpus: 4 } });
    });

    it('publishes each profile to the catalog as a Resource asset owned by its group', async () => {
      const { bob } = await start([localSmall]);
      const assets = (await bob.get('/catalog/assets')).body.assets;
      expect(
        assets.find((a: { type: string }) => a.type === 'ml-training-profile'),
      ).toEqual({
        type: 'ml-training-profile',
        entityName: 'training-profile-local-small',
        title: 'local-small',
        description:
          'The example training. Training profile v1: pools local-cpu; up to 2 GPUs; spot allowed',
        owner: PLATFORM,
        path: 'training/profiles/local-small',
        tags: ['ml-training-profile', 'spot-allowed'],
        dependsOn: [],
        annotations: { 'ml.platform/profile-version': '1' },
      });
    });
  },
);
