import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startPortal } from '../../__testUtils__/portal';
import { buildFeatureProfile, parseFeatureProfile } from './profile';
import { normalSample } from './__testUtils__/samples';

const REPO_ROOT = resolve(__dirname, '../../../../..');
const run = promisify(execFile);

/** The example's profile writer, run by plain node as a client runs it. */
async function exampleProfile(
  columns: Record<string, Array<number | null>>,
  options: { bins?: number; prediction?: string },
) {
  const script = `
    import { featureProfile } from './examples/training/feature_profile.ts';
    import { text } from 'node:stream/consumers';
    const { columns, options } = JSON.parse(await text(process.stdin));
    process.stdout.write(JSON.stringify(featureProfile(columns, options)));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  const exited = new Promise<number | null>(done => child.on('close', done));
  child.stdin.end(JSON.stringify({ columns, options }));
  expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout);
}

describe('the example training script', () => {
  it("writes the portal's profile format: the same profile as the builder's", async () => {
    const n = 3000;
    const columns = {
      normal: normalSample(n, 1),
      counts: normalSample(n, 2).map(v => Math.max(0, Math.round(v))),
      sparse: normalSample(n, 3).map((v, i) => (i % 7 === 0 ? null : v)),
      constant: new Array<number>(n).fill(2.5),
      score: normalSample(n, 4, 0.5, 0.1),
    };
    for (const options of [{ prediction: 'score' }, { bins: 37 }]) {
      const written = await exampleProfile(columns, options);
      expect(parseFeatureProfile(written)).toEqual(
        buildFeatureProfile(columns, options),
      );
    }
  });

  it('logs feature_profile.json inside the model directory, next to MLmodel', async () => {
    const portal = await startPortal();
    try {
      const { port } = portal.server.address() as { port: number };
      const { stdout } = await run(
        process.execPath,
        [
          'examples/training/logistic_regression.ts',
          '--experiment',
          'profile',
          '--epochs',
          '2',
          '--samples',
          '500',
        ],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}/api/ml/mlflow`,
          },
        },
      );
      const runId = /^run ([0-9a-f]{32}) finished \(model uploaded\)/m.exec(
        stdout,
      )?.[1];
      expect(runId).toBeDefined();
      const api = (path: string) => `/api/ml/mlflow/api/2.0/mlflow/${path}`;
      const listed = await request(portal.server).get(
        api(`artifacts/list?run_id=${runId}&path=model`),
      );
      expect(listed.body.files.map((f: { path: string }) => f.path)).toEqual(
        expect.arrayContaining(['model/MLmodel', 'model/feature_profile.json']),
      );
      const { body: got } = await request(portal.server).get(
        api(`runs/get?run_id=${runId}`),
      );
      const relative = got.run.info.artifact_uri.replace(
        /^mlflow-artifacts:\/+/,
        '',
      );
      const file = await request(portal.server)
        .get(
          `/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/${relative}/model/feature_profile.json`,
        )
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', chunk => (text += chunk));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      const profile = parseFeatureProfile(JSON.parse(file.body));
      // The 400 training rows of 500 (80%), the model's eight inputs and its output.
      expect(profile.rows).toBe(400);
      expect(profile.features.map(f => [f.name, f.kind])).toEqual(
        Array.from({ length: 8 }, (_, j) => [`f${j}`, 'numeric']),
      );
      expect(profile.prediction).toMatchObject({
        name: 'probability',
        kind: 'numeric',
        count: 400,
      });
    } finally {
      await portal.stop();
    }
  });
});
