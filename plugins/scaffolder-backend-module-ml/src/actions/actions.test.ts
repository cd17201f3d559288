import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonValue } from '@backstage/types';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  APP_BASE_URL,
  OTHER_TEAM,
  OUTSIDER,
  PLATFORM_ENGINEER,
  SCIENTIST,
  TEAM,
  groupEntities,
  registerVersion,
  startMlPortal,
  userInfo,
} from '../__testUtils__/mlPortal';
import { runAction } from '../__testUtils__/runAction';
import { DRY_RUN_ID, createMlActions } from '.';

let portal: Awaited<ReturnType<typeof startMlPortal>>;
let actions: Record<string, ReturnType<typeof createMlActions>[number]>;
const publishRoot = mkdtempSync(join(tmpdir(), 'ml-published-'));

beforeAll(async () => {
  portal = await startMlPortal();
  actions = Object.fromEntries(
    createMlActions({
      client: portal.client,
      userInfo,
      catalog: catalogServiceMock({ entities: groupEntities }),
      appBaseUrl: APP_BASE_URL,
      localPublishDirectory: publishRoot,
    }).map(action => [action.id, action]),
  );
});

afterAll(() => portal?.stop());

/** A name no other test uses. */
const unique = (prefix: string) =>
  `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

describe('ml:experiment:create', () => {
  const create = (input: object, user = SCIENTIST, isDryRun = false) =>
    runAction(actions['ml:experiment:create'], input as any, {
      user,
      isDryRun,
    });

  it('creates the experiment as the user, owned by their team, and links to its page', async () => {
    const name = unique('recsys/ranker');
    const out = await create({ name, tags: { golden: 'path' } });
    expect(out).toEqual({
      experimentId: expect.stringMatching(/^\d+$/),
      owner: TEAM,
      created: true,
      url: `${APP_BASE_URL}/ml/experiments/${out.experimentId}`,
    });
    const stored = await portal
      .as(SCIENTIST)
      .get(`/experiments/${out.experimentId}`);
    expect(stored.body).toMatchObject({
      name,
      owner: TEAM,
      tags: [{ key: 'golden', value: 'path' }],
    });
  });

  it('returns the existing experiment of the same name and owner instead of failing', async () => {
    const name = unique('recsys/again');
    const first = await create({ name });
    const second = await create({ name, owner: TEAM });
    expect(second).toMatchObject({
      experimentId: first.experimentId,
      created: false,
    });
  });

  it("refuses another team's experiment of that name, and an owner the user cannot create for", async () => {
    const name = unique('recsys/taken');
    await create({ name });
    await expect(create({ name }, OUTSIDER)).rejects.toThrow(
      `Experiment '${name}' already exists and belongs to ${TEAM}`,
    );
    await expect(
      create({ name: unique('x'), owner: TEAM }, OUTSIDER),
    ).rejects.toThrow(
      `You cannot create experiments for ${TEAM}: you act for ${OTHER_TEAM}`,
    );
  });

  it('creates nothing in a dry run', async () => {
    const name = unique('recsys/dry');
    const out = await create({ name }, SCIENTIST, true);
    expect(out).toMatchObject({ experimentId: DRY_RUN_ID, owner: TEAM });
    const found = await portal
      .as(SCIENTIST)
      .get(
        `/mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(
          name,
        )}`,
      );
    expect(found.status).toBe(404);
  });
});

describe('ml:training:submit', () => {
  const submit = (
    input: object,
    options: { isDryRun?: boolean; checkpoints?: Map<string, JsonValue> } = {},
  ) =>
    runAction(actions['ml:training:submit'], input as any, {
      user: SCIENTIST,
      ...options,
    });
  let teamExperiment: string;
  beforeAll(async () => {
    const created = await runAction(
      actions['ml:experiment:create'],
      { name: unique('recsys/jobs') },
      { user: SCIENTIST },
    );
    teamExperiment = created.experimentId as string;
  });
  const jobsNamed = async (name: string) =>
    (await portal.as(SCIENTIST).get('/training/jobs')).body.items.filter(
      (job: { name: string }) => job.name === name,
    );

  it('submits the job on the profile, its params as flags, its run in the experiment', async () => {
    const experiment = await runAction(
      actions['ml:experiment:create'],
      { name: unique('recsys/train') },
      { user: SCIENTIST },
    );
    const name = unique('first-job');
    const out = await submit({
      name,
      experiment: experiment.experimentId as string,
      profile: 'local-small',
      command: ['node', 'train.ts'],
      params: { lr: 0.1, epochs: 3 },
    });
    expect(out).toEqual({
      jobId: expect.any(String),
      status: expect.any(String),
      url: `${APP_BASE_URL}/ml/training/jobs/${out.jobId}`,
    });
    const job = await portal.as(SCIENTIST).get(`/training/jobs/${out.jobId}`);
    expect(job.body).toMatchObject({
      name,
      owner: TEAM,
      profile: 'local-small',
      submittedBy: SCIENTIST,
      experimentId: experiment.experimentId,
      spec: { command: ['node', 'train.ts', '--lr', '0.1', '--epochs', '3'] },
    });
  });

  it('submits once when the step is retried', async () => {
    const checkpoints = new Map<string, JsonValue>();
    const name = unique('retried');
    const input = {
      name,
      experiment: teamExperiment,
      profile: 'local-small',
      command: ['true'],
    };
    const first = await submit(input, { checkpoints });
    const second = await submit(input, { checkpoints });
    expect(second.jobId).toBe(first.jobId);
    expect(await jobsNamed(name)).toHaveLength(1);
  });

  it('names the profiles there are when the profile does not exist, and submits nothing in a dry run', async () => {
    await expect(
      submit({
        name: 'x',
        experiment: '0',
        profile: 'huge',
        command: ['true'],
      }),
    ).rejects.toThrow(
      "No training profile 'huge'; the portal has 'local-small'",
    );
    const name = unique('dry');
    const out = await submit(
      {
        name,
        experiment: DRY_RUN_ID,
        profile: 'local-small',
        command: ['true'],
      },
      { isDryRun: true },
    );
    expect(out.jobId).toBe(DRY_RUN_ID);
    expect(await jobsNamed(name)).toHaveLength(0);
    await expect(
      submit(
        {
          name,
          experiment: unique('missing'),
          profile: 'local-small',
          command: ['true'],
        },
        { isDryRun: true },
      ),
    ).rejects.toThrow('No experiment');
  });

  it('refuses params that are not flags, and more than 100 of them, before submitting', async () => {
    const input = {
      name: 'x',
      experiment: teamExperiment,
      profile: 'local-small',
      command: ['true'],
    };
    await expect(
      submit({ ...input, params: { 'lr; rm -rf': 1 } }),
    ).rejects.toThrow("Parameter 'lr; rm -rf' is not a command-line flag name");
    const many = Object.fromEntries(
      Array.from({ length: 101 }, (_, i) => [`p${i}`, i]),
    );
    await expect(submit({ ...input, params: many })).rejects.toThrow(
      'At most 100 params, not 101',
    );
    expect(await jobsNamed('x')).toHaveLength(0);
  });

  it("surfaces the API's refusal", async () => {
    await expect(
      runAction(
        actions['ml:training:submit'],
        {
          name: 'x',
          experiment: '0',
          profile: 'local-small',
          command: ['true'],
          owner: TEAM,
        },
        { user: OUTSIDER },
      ),
    ).rejects.toThrow(/The ml API refused POST \/training\/jobs \(403\): .+/);
  });
});

describe('ml:model:register', () => {
  const register = (input: object, user = SCIENTIST) =>
    runAction(actions['ml:model:register'], input as any, { user });

  it('registers the model for the team and returns it again on a re-run', async () => {
    const name = unique('churn');
    const out = await register({ name, description: 'Churn' });
    expect(out).toEqual({
      name,
      owner: TEAM,
      created: true,
      url: `${APP_BASE_URL}/ml/models/${name}`,
    });
    expect(
      (await portal.as(SCIENTIST).get(`/models/${name}`)).body,
    ).toMatchObject({
      owner: TEAM,
      description: 'Churn',
    });
    expect(await register({ name, owner: TEAM })).toMatchObject({
      created: false,
    });
    await expect(register({ name }, OUTSIDER)).rejects.toThrow(
      `Model '${name}' is already registered by ${TEAM}`,
    );
  });
});

describe('ml:deployment:create', () => {
  let model: string;
  beforeAll(async () => {
    model = unique('ranker');
    await registerVersion(portal, model, 'staging');
  });
  const deploy = (input: object, user = SCIENTIST, isDryRun = false) =>
    runAction(actions['ml:deployment:create'], input as any, {
      user,
      isDryRun,
    });

  it('creates the endpoint following the alias with the canary settings, once', async () => {
    const name = unique('ranker-staging');
    const input = {
      name,
      model,
      alias: 'staging',
      target: 'local',
      canary: { percent: 25, durationMinutes: 5 },
    };
    const out = await deploy(input);
    expect(out).toEqual({
      endpoint: name,
      status: 'CREATING',
      created: true,
      url: `${APP_BASE_URL}/ml/deployments/${name}`,
    });
    const endpoint = await portal
      .as(SCIENTIST)
      .get(`/deployments/endpoints/${name}`);
    expect(endpoint.body).toMatchObject({
      owner: TEAM,
      modelName: model,
      followsAlias: 'staging',
      kind: 'real-time',
      canaryPolicy: { percent: 25, durationMinutes: 5 },
    });
    expect(await deploy(input)).toMatchObject({ created: false });
    await expect(deploy({ ...input, alias: 'production' })).rejects.toThrow(
      `Endpoint '${name}' already exists with alias staging (asked production)`,
    );
  });

  it('checks the model, alias and target in a dry run and creates nothing', async () => {
    const name = unique('dry-endpoint');
    await expect(
      deploy(
        { name, model, alias: 'production', target: 'local' },
        SCIENTIST,
        true,
      ),
    ).rejects.toThrow(`Model '${model}' has no alias 'production'`);
    await expect(
      deploy(
        { name, model, version: '1', target: 'sagemaker' },
        SCIENTIST,
        true,
      ),
    ).rejects.toThrow("No serving target 'sagemaker'; the portal has 'local'");
    expect(
      await deploy(
        { name, model, version: '1', target: 'local' },
        SCIENTIST,
        true,
      ),
    ).toMatchObject({ created: true });
    expect(
      (await portal.as(SCIENTIST).get(`/deployments/endpoints/${name}`)).status,
    ).toBe(404);
  });

  it("does only what the user may: another team's member cannot deploy for the team", async () => {
    await expect(
      deploy(
        {
          name: unique('intruder'),
          model,
          alias: 'staging',
          target: 'local',
          owner: TEAM,
        },
        OUTSIDER,
      ),
    ).rejects.toThrow(/refused POST \/deployments\/endpoints \(403\)/);
    await expect(deploy({ name: 'x', model, target: 'local' })).rejects.toThrow(
      'give exactly one of alias and version',
    );
  });
});

describe('ml:team:onboard', () => {
  const onboard = (
    input: object,
    options: { user?: string; isDryRun?: boolean } = {},
  ) =>
    runAction(actions['ml:team:onboard'], input as any, {
      user: options.user ?? SCIENTIST,
      isDryRun: options.isDryRun,
    });
  const path = (what: string, team: string) =>
    `/${what}/${encodeURIComponent(team)}`;

  it("as a platform engineer sets the team's quotas, secret scope and budget through the API; again sets the same", async () => {
    const input = {
      team: OTHER_TEAM,
      quotas: [{ pool: 'local-cpu', nominalGpus: 1 }],
      budget: { monthlyUsd: 700, hard: true },
      secretScope: { secrets: ['env:VISION_*'] },
    };
    const out = await onboard(input, { user: PLATFORM_ENGINEER });
    expect(out).toEqual({
      set: [
        `GPU quotas of ${OTHER_TEAM}: local-cpu 1 GPUs (+0 borrowable)`,
        `Secret scope of ${OTHER_TEAM}: env:VISION_*`,
        `Monthly budget of ${OTHER_TEAM}: 700 USD, hard`,
      ],
      // The platform engineer's first group is not the team.
      pending: [
        expect.stringContaining(`a member of ${OTHER_TEAM} creates it`),
      ],
    });
    // What the team's members now see in the portal.
    const member = portal.as(OUTSIDER);
    expect(
      (await member.get(path('training/quotas', OTHER_TEAM))).body,
    ).toMatchObject({
      quotas: [{ pool: 'local-cpu', nominalGpus: 1, borrowingLimitGpus: 0 }],
      source: 'api',
      updatedBy: PLATFORM_ENGINEER,
    });
    expect(
      (await member.get(path('training/secret-scopes', OTHER_TEAM))).body,
    ).toMatchObject({ scopes: [{ secrets: ['env:VISION_*'] }], source: 'api' });
    expect((await member.get('/cost/budgets')).body.items).toContainEqual(
      expect.objectContaining({
        team: OTHER_TEAM,
        monthlyUsd: 700,
        hard: true,
        source: 'api',
      }),
    );

    await expect(onboard(input, { user: PLATFORM_ENGINEER })).resolves.toEqual(
      out,
    );
    // A scope for one target is added beside the team's scope for every target.
    await onboard(
      {
        team: OTHER_TEAM,
        secretScope: { target: 'local', secrets: ['env:VISION_TOKEN'] },
      },
      { user: PLATFORM_ENGINEER },
    );
    expect(
      (await member.get(path('training/secret-scopes', OTHER_TEAM))).body
        .scopes,
    ).toEqual([
      { secrets: ['env:VISION_*'] },
      { target: 'local', secrets: ['env:VISION_TOKEN'] },
    ]);
  });

  it("as the team's scientist creates its experiment and leaves the quotas, scope and budget to the platform team", async () => {
    const namespace = unique('recsys');
    const out = await onboard({
      team: TEAM,
      experimentNamespace: namespace,
      quotas: [{ pool: 'local-cpu', nominalGpus: 2 }],
      budget: { monthlyUsd: 500, alertAt: [0.8, 1] },
      secretScope: { secrets: ['env:RECSYS_*'] },
    });
    expect(out).toMatchObject({
      experimentId: expect.stringMatching(/^\d+$/),
      set: [],
      pending: [
        `GPU quotas of ${TEAM}: local-cpu 2 GPUs (+0 borrowable): only the platform team sets it (ml.trainingQuota.update); a platform team member runs this template or sets it`,
        expect.stringMatching(
          /^Secret scope of .*: env:RECSYS_\*: only the platform team .*ml\.secretScope\.update/,
        ),
        expect.stringMatching(
          /^Monthly budget of .*: 500 USD: only the platform team .*ml\.budget\.update/,
        ),
      ],
    });
    const experiment = await portal
      .as(SCIENTIST)
      .get(`/experiments/${out.experimentId}`);
    expect(experiment.body).toMatchObject({
      name: `${namespace}/default`,
      owner: TEAM,
    });
    // Nothing the scientist may not set was written.
    const scientist = portal.as(SCIENTIST);
    expect(
      (await scientist.get(path('training/quotas', TEAM))).body.source,
    ).toBe('config');
    expect(
      (await scientist.get(path('training/secret-scopes', TEAM))).body,
    ).toEqual({ team: TEAM, scopes: [], source: 'config' });
  });

  it('sets nothing in a dry run', async () => {
    const out = await onboard(
      {
        team: TEAM,
        quotas: [{ pool: 'local-cpu', nominalGpus: 2 }],
        secretScope: { secrets: ['env:RECSYS_*'] },
      },
      { user: PLATFORM_ENGINEER, isDryRun: true },
    );
    expect(out.set).toEqual([]);
    const quotas = await portal
      .as(SCIENTIST)
      .get(path('training/quotas', TEAM));
    expect(quotas.body.source).toBe('config');
  });

  it("leaves the experiment to a member when the user's first group is not the team", async () => {
    const out = await onboard({ team: TEAM }, { user: OUTSIDER });
    expect(out.experimentId).toBeUndefined();
    expect(out.pending).toEqual([
      expect.stringContaining(`a member of ${TEAM} creates it`),
    ]);
  });

  it('refuses an unknown group or pool', async () => {
    await expect(onboard({ team: 'group:default/nobody' })).rejects.toThrow(
      'No group group:default/nobody in the catalog',
    );
    await expect(
      onboard({ team: TEAM, quotas: [{ pool: 'a100', nominalGpus: 1 }] }),
    ).rejects.toThrow("No pool 'a100'; the portal has 'local-cpu'");
  });
});

describe('ml:budget:set', () => {
  const setBudget = (
    input: object,
    options: {
      user?: string;
      isDryRun?: boolean;
      checkpoints?: Map<string, JsonValue>;
    } = {},
  ) =>
    runAction(actions['ml:budget:set'], input as any, {
      user: PLATFORM_ENGINEER,
      ...options,
    });
  // Budgets are read as spend is: by the team's own members (and managers).
  const budgetOf = async (team: string) =>
    (
      await portal.as(team === TEAM ? SCIENTIST : OUTSIDER).get('/cost/budgets')
    ).body.items.find((b: { team: string }) => b.team === team);

  it("sets the team's budget as a platform engineer and links to its cost page; again is the same", async () => {
    const input = {
      team: 'group:vision',
      monthlyUsd: 1200,
      alertAt: [0.5, 1],
      hard: true,
    };
    const out = await setBudget(input);
    expect(out).toEqual({
      team: OTHER_TEAM,
      monthlyUsd: 1200,
      url: `${APP_BASE_URL}/ml/cost?team=${encodeURIComponent(OTHER_TEAM)}`,
    });
    expect(await budgetOf(OTHER_TEAM)).toMatchObject({
      monthlyUsd: 1200,
      alertAt: [0.5, 1],
      hard: true,
      source: 'api',
      updatedBy: PLATFORM_ENGINEER,
    });
    await expect(setBudget(input)).resolves.toEqual(out);
    expect(await budgetOf(OTHER_TEAM)).toMatchObject({ monthlyUsd: 1200 });
  });

  it("a team's own member may not set its budget (the portal's 403)", async () => {
    await expect(
      setBudget({ team: TEAM, monthlyUsd: 1e6 }, { user: SCIENTIST }),
    ).rejects.toThrow(
      /refused PUT \/cost\/budgets\/.* \(403\).*ml\.budget\.update/,
    );
    expect(await budgetOf(TEAM)).toBeUndefined();
  });

  it('sets nothing in a dry run', async () => {
    const out = await setBudget(
      { team: TEAM, monthlyUsd: 42 },
      { isDryRun: true },
    );
    expect(out).toMatchObject({ team: TEAM, monthlyUsd: 42 });
    expect(await budgetOf(TEAM)).toBeUndefined();
  });
});

describe('ml:publish:local', () => {
  it('copies the workspace to its folder, replaced only by the task that wrote it', async () => {
    const workspacePath = mkdtempSync(join(tmpdir(), 'workspace-'));
    require('node:fs').writeFileSync(
      join(workspacePath, 'train.ts'),
      '// train',
    );
    const name = unique('project');
    const publish = (taskId: string) =>
      runAction(
        actions['ml:publish:local'],
        { name },
        { user: SCIENTIST, workspacePath, taskId },
      );
    const out = await publish('task-a');
    expect(out).toEqual({
      path: join(publishRoot, name),
      remoteUrl: `file://${join(publishRoot, name)}`,
    });
    expect(readdirSync(join(publishRoot, name)).sort()).toEqual([
      '.scaffolder-task',
      'train.ts',
    ]);
    await expect(publish('task-a')).resolves.toEqual(out);
    await expect(publish('task-b')).rejects.toThrow('already exists');
  });

  it('refuses when no folder is configured', async () => {
    const [, , , , , publish] = createMlActions({
      client: portal.client,
      userInfo,
      catalog: catalogServiceMock(),
      appBaseUrl: APP_BASE_URL,
    });
    await expect(
      runAction(publish, { name: 'p' }, { user: SCIENTIST }),
    ).rejects.toThrow('set ml.scaffolder.localPublish (enabled, directory)');
  });
});
