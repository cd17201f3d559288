import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import request from 'supertest';
import { parse } from 'yaml';
import {
  PLATFORM_ENGINEER,
  REPO_ROOT,
  SCIENTIST,
  TEAM,
  registerVersion,
  startMlPortal,
} from './__testUtils__/mlPortal';
import {
  ML_ASSET_NAME_ANNOTATION,
  assetEntityName,
} from '@ml-portal/plugin-ml-common';
import { scaffolderModuleMl } from './module';

const TEMPLATES = join(REPO_ROOT, 'examples/templates');

/** A template of examples/templates as the catalog serves it from its file location. */
function templateEntity(folder: string): Entity {
  const file = join(TEMPLATES, folder, 'template.yaml');
  const entity = parse(readFileSync(file, 'utf8')) as Entity;
  entity.metadata.namespace = 'default';
  entity.metadata.annotations = {
    'backstage.io/managed-by-location': `file:${file}`,
    'backstage.io/managed-by-origin-location': `file:${file}`,
  };
  return entity;
}

/** The registered model `ranker` as the catalog module publishes it. */
const rankerEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: assetEntityName('ml-model', 'ranker'),
    namespace: 'default',
    title: 'ranker',
    annotations: { [ML_ASSET_NAME_ANNOTATION]: 'ranker' },
  },
  spec: { type: 'ml-model', owner: TEAM },
};
const rankerRef = stringifyEntityRef(rankerEntity);

const publishRoot = mkdtempSync(join(tmpdir(), 'ml-projects-'));
const jobsDirectory = mkdtempSync(join(tmpdir(), 'ml-jobs-'));
let portal: Awaited<ReturnType<typeof startMlPortal>>;

beforeAll(async () => {
  portal = await startMlPortal({
    features: [
      scaffolderPlugin,
      scaffolderModuleMl,
      // Requests without a token are anonymous, as in a real backend (the test
      // backend's default is a mock user): jobs log as anonymous MLflow clients.
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ],
    catalog: [
      ...['training-project', 'deploy-model', 'onboard-team'].map(
        templateEntity,
      ),
      rankerEntity,
    ],
    config: {
      ml: {
        scaffolder: { localPublish: { enabled: true, directory: publishRoot } },
        // Jobs run: the first job's script logs to the portal as its MLflow client,
        // which a local install lets in without a token, for the team.
        training: {
          workers: true,
          pollIntervalMs: 100,
          local: { workingDirectory: jobsDirectory },
        },
        mlflow: { allowUnauthenticated: true, anonymousGroup: TEAM },
      },
    },
  });
});

afterAll(() => portal?.stop());

/** Runs a template through the real Scaffolder as `user`; the finished task's output. */
async function runTemplate(template: string, values: object, user = SCIENTIST) {
  const auth = mockCredentials.user.header(user);
  const created = await request(portal.server)
    .post('/api/scaffolder/v2/tasks')
    .set('Authorization', auth)
    .send({ templateRef: `template:default/${template}`, values });
  expect(created.status).toBe(201);
  const taskUrl = `/api/scaffolder/v2/tasks/${created.body.id}`;
  // Polls the task's state (not a clock) until the worker has finished it.
  for (;;) {
    const task = await request(portal.server)
      .get(taskUrl)
      .set('Authorization', auth);
    if (task.body.status === 'completed') {
      const events = await request(portal.server)
        .get(`${taskUrl}/events`)
        .set('Authorization', auth);
      return events.body.find((e: { type: string }) => e.type === 'completion')
        .body.output;
    }
    if (task.body.status === 'failed' || task.body.status === 'cancelled') {
      const events = await request(portal.server)
        .get(`${taskUrl}/events`)
        .set('Authorization', auth);
      const log = events.body
        .map((e: { body: { message?: string } }) => e.body.message)
        .filter(Boolean)
        .join('\n');
      throw new Error(`Task ${task.body.status}:\n${log}`);
    }
    await new Promise(resolve => setImmediate(resolve));
  }
}

/** A folder's files as the dry-run API takes them, paths relative to the folder. */
function directoryContents(dir: string, prefix = ''): object[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap(
    entry => {
      const path = join(prefix, entry.name);
      return entry.isDirectory()
        ? directoryContents(dir, path)
        : [
            {
              path,
              base64Content: readFileSync(join(dir, path)).toString('base64'),
            },
          ];
    },
  );
}

describe('the golden-path templates through the real Scaffolder backend', () => {
  it('are valid templates, all listed by the location the catalog reads', async () => {
    const location = parse(
      readFileSync(join(TEMPLATES, 'templates.yaml'), 'utf8'),
    );
    const folders = ['training-project', 'deploy-model', 'onboard-team'];
    expect(location.spec.targets).toEqual(
      folders.map(folder => `./${folder}/template.yaml`),
    );
    for (const folder of folders) {
      expect(
        await templateEntityV1beta3Validator.check(templateEntity(folder)),
      ).toBe(true);
    }
  });

  it('New training project in a dry run: renders the skeleton and creates nothing', async () => {
    const dryRun = await request(portal.server)
      .post('/api/scaffolder/v2/dry-run')
      .set('Authorization', mockCredentials.user.header(SCIENTIST))
      .send({
        template: templateEntity('training-project'),
        values: {
          name: 'dry-project',
          owner: TEAM,
          profile: 'local-small',
          publishTo: 'local',
        },
        directoryContents: directoryContents(
          join(TEMPLATES, 'training-project'),
        ),
      });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.output.links).toEqual([
      {
        title: 'Experiment',
        url: 'http://localhost:3000/ml/experiments/dry-run',
      },
      {
        title: 'First training job',
        url: 'http://localhost:3000/ml/training/jobs/dry-run',
      },
    ]);
    expect(
      dryRun.body.directoryContents.map((f: { path: string }) => f.path),
    ).toContain('train.ts');
    const scientist = portal.as(SCIENTIST);
    const experiment = await scientist.get(
      `/mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(
        'recsys/dry-project',
      )}`,
    );
    expect(experiment.status).toBe(404);
    const jobs = await scientist.get('/training/jobs');
    expect(
      jobs.body.items.filter(
        (j: { name: string }) => j.name === 'dry-project-first',
      ),
    ).toEqual([]);
    expect(readdirSync(publishRoot)).not.toContain('dry-project');
  });

  it('New training project: publishes the skeleton, creates the experiment, and the first job trains, checkpoints and logs to it', async () => {
    const output = await runTemplate('ml-training-project', {
      name: 'churn-model',
      owner: TEAM,
      description: 'Predicts churn',
      profile: 'local-small',
      epochs: 3,
      learningRate: 0.2,
      publishTo: 'local',
    });
    const [experiment, job] = output.links;
    expect(experiment.title).toBe('Experiment');
    const experimentId = experiment.url.match(/\/ml\/experiments\/(\d+)$/)[1];
    const jobId = job.url.match(/\/ml\/training\/jobs\/([^/]+)$/)[1];
    const scientist = portal.as(SCIENTIST);
    expect(
      (await scientist.get(`/experiments/${experimentId}`)).body,
    ).toMatchObject({
      name: 'recsys/churn-model',
      owner: TEAM,
    });
    const project = join(publishRoot, 'churn-model');
    expect((await scientist.get(`/training/jobs/${jobId}`)).body).toMatchObject(
      {
        name: 'churn-model-first',
        owner: TEAM,
        profile: 'local-small',
        experimentId,
        spec: {
          command: [
            'node',
            join(project, 'train.ts'),
            '--epochs',
            '3',
            '--lr',
            '0.2',
          ],
        },
      },
    );
    expect(readdirSync(project).sort()).toEqual([
      '.github',
      '.scaffolder-task',
      'README.md',
      'catalog-info.yaml',
      'feature_profile.ts',
      'mlflow_model.ts',
      'package.json',
      'train.ts',
    ]);
    expect(
      parse(readFileSync(join(project, 'catalog-info.yaml'), 'utf8')),
    ).toMatchObject({
      metadata: {
        name: 'churn-model',
        description: 'Predicts churn',
        annotations: { 'ml.platform/model': 'churn-model' },
        links: [{ url: experiment.url, title: 'Experiment' }],
      },
      spec: { owner: TEAM },
    });
    const ci = readFileSync(
      join(project, '.github/workflows/train.yaml'),
      'utf8',
    );
    expect(ci).toContain(
      "node train.ts --experiment 'recsys/churn-model' --epochs 2",
    );
    expect(ci).toContain(
      "MLFLOW_TRACKING_TOKEN: '${{ secrets.ML_PORTAL_TOKEN }}'",
    );
    // The model writer is copied as the portal's example model code imports it.
    expect(readFileSync(join(project, 'mlflow_model.ts'), 'utf8')).toBe(
      readFileSync(
        join(TEMPLATES, 'training-project/skeleton/mlflow_model.ts'),
        'utf8',
      ),
    );
    expect(readFileSync(join(project, 'feature_profile.ts'), 'utf8')).toBe(
      readFileSync(
        join(TEMPLATES, 'training-project/skeleton/feature_profile.ts'),
        'utf8',
      ),
    );
    expect(output.text).toEqual([{ title: 'Repository', content: project }]);

    // The first job runs the published script on the local target; it trains,
    // checkpoints and logs to the job's run.
    let finished: any;
    for (;;) {
      finished = (await scientist.get(`/training/jobs/${jobId}`)).body;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(finished.status)) break;
      await new Promise(resolve => setImmediate(resolve));
    }
    if (finished.status !== 'SUCCEEDED') {
      const logs = await scientist.get(`/training/jobs/${jobId}/logs`);
      throw new Error(
        `Job ${finished.status}: ${finished.statusMessage}\n${logs.text}`,
      );
    }
    const { runId } = finished;
    const run = (await scientist.get(`/runs/${runId}`)).body;
    expect(run.data.params).toContainEqual({ key: 'epochs', value: '3' });
    const history = await scientist.get(
      `/runs/${runId}/metric-history?key=val_accuracy`,
    );
    expect(history.body.points.map((m: { step: number }) => m.step)).toEqual([
      1, 2, 3,
    ]);
    const artifacts = await scientist.get(
      `/runs/${runId}/artifacts?path=model`,
    );
    expect(
      artifacts.body.files.map((f: { path: string }) => f.path).sort(),
    ).toEqual([
      'model/MLmodel',
      'model/feature_profile.json',
      'model/weights.json',
    ]);

    // A version registered from the run is servable: the example model server's own
    // loader (what the local serving target runs for its flavor) scores with it.
    const registered = await scientist.post('/models/churn-model/versions', {
      runId,
    });
    expect(registered.status).toBe(201);
    const modelDir = mkdtempSync(join(tmpdir(), 'churn-model-'));
    for (const file of ['MLmodel', 'weights.json']) {
      const content = await scientist
        .get(`/runs/${runId}/artifacts/content?path=model/${file}`)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        });
      writeFileSync(join(modelDir, file), content.body);
    }
    writeFileSync(join(modelDir, 'rows.csv'), 'f0,f1,f2,f3\n0.5,-1,2,0\n');
    await promisify(execFile)(
      process.execPath,
      [
        'examples/serving/batch_score.ts',
        '--model-dir',
        modelDir,
        '--input',
        join(modelDir, 'rows.csv'),
        '--output',
        join(modelDir, 'scored.csv'),
      ],
      { cwd: REPO_ROOT },
    );
    const [header, row] = readFileSync(join(modelDir, 'scored.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(header).toBe('f0,f1,f2,f3,prediction');
    const prediction = Number(row.split(',')[4]);
    expect(prediction).toBeGreaterThan(0);
    expect(prediction).toBeLessThan(1);
    const checkpoint = join(
      jobsDirectory,
      '.data/checkpoints',
      jobId,
      'checkpoint.json',
    );
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).toMatchObject({
      epoch: 3,
    });
  });

  it("Deploy a model: the model is picked among the catalog's ML models", () => {
    const [modelStep] = templateEntity('deploy-model').spec!
      .parameters as JsonObject[];
    expect((modelStep.properties as JsonObject).model).toMatchObject({
      'ui:field': 'EntityPicker',
      'ui:options': {
        allowArbitraryValues: false,
        catalogFilter: [{ kind: 'Resource', 'spec.type': 'ml-model' }],
      },
    });
  });

  it("Deploy a model: an endpoint following the environment's alias with its canary settings", async () => {
    await registerVersion(portal, 'ranker', 'staging');
    const output = await runTemplate('ml-deploy-model', {
      model: rankerRef,
      environment: 'staging',
      target: 'local',
      kind: 'real-time',
    });
    expect(output.links).toEqual([
      {
        title: 'Endpoint',
        url: 'http://localhost:3000/ml/deployments/ranker-staging',
      },
    ]);
    const endpoint = await portal
      .as(SCIENTIST)
      .get('/deployments/endpoints/ranker-staging');
    expect(endpoint.body).toMatchObject({
      owner: TEAM,
      modelName: 'ranker',
      followsAlias: 'staging',
      canaryPolicy: { percent: 50, durationMinutes: 5, minRequests: 30 },
    });

    // A pinned version takes the production environment's careful canary.
    await runTemplate('ml-deploy-model', {
      model: rankerRef,
      environment: 'production',
      version: '1',
      name: 'ranker-pinned',
      target: 'local',
    });
    const pinned = await portal
      .as(SCIENTIST)
      .get('/deployments/endpoints/ranker-pinned');
    expect(pinned.body.followsAlias).toBeUndefined();
    expect(pinned.body).toMatchObject({
      deployments: [expect.objectContaining({ version: '1' })],
      canaryPolicy: { percent: 10, durationMinutes: 30, minRequests: 500 },
    });
  });

  it("Onboard a team: the team's experiment by its member, its quota, scope and budget by the platform team", async () => {
    const values = {
      team: TEAM,
      pool: 'local-cpu',
      nominalGpus: 2,
      monthlyUsd: 300,
      hardBudget: true,
      secrets: ['env:RECSYS_*'],
    };
    const output = await runTemplate('ml-onboard-team', values);
    expect(output.links[0]).toEqual({
      title: 'Team in the catalog',
      entityRef: TEAM,
    });
    const experimentId = output.links[1].url.match(
      /\/ml\/experiments\/(\d+)$/,
    )[1];
    expect(
      (await portal.as(SCIENTIST).get(`/experiments/${experimentId}`)).body,
    ).toMatchObject({
      name: 'recsys/default',
      owner: TEAM,
    });
    // The scientist may not set what is the platform team's: it is left to them.
    expect(output.text[0]).toEqual({ title: 'Set in the portal', content: '' });
    expect(output.text[1].content).toContain(
      `GPU quotas of ${TEAM}: local-cpu 2 GPUs (+0 borrowable): only the platform team sets it`,
    );

    const byPlatform = await runTemplate(
      'ml-onboard-team',
      values,
      PLATFORM_ENGINEER,
    );
    expect(byPlatform.text[0].content.split('\n\n')).toEqual([
      `GPU quotas of ${TEAM}: local-cpu 2 GPUs (+0 borrowable)`,
      `Secret scope of ${TEAM}: env:RECSYS_*`,
      `Monthly budget of ${TEAM}: 300 USD, hard`,
    ]);
    const team = encodeURIComponent(TEAM);
    const scientist = portal.as(SCIENTIST);
    expect(
      (await scientist.get(`/training/quotas/${team}`)).body,
    ).toMatchObject({
      quotas: [{ pool: 'local-cpu', nominalGpus: 2, borrowingLimitGpus: 0 }],
      source: 'api',
    });
    expect(
      (await scientist.get(`/training/secret-scopes/${team}`)).body.scopes,
    ).toEqual([{ secrets: ['env:RECSYS_*'] }]);
  });
});
