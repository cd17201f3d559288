/**
 * ${{ values.name }}: a training script that logs to the ML portal as an MLflow client
 * does (MLflow's REST API at MLFLOW_TRACKING_URI), started from the portal's golden path.
 * Logistic regression by mini-batch SGD on a seeded, generated dataset: replace
 * `loadDataset` with your data and `train` with your model.
 *
 *   MLFLOW_TRACKING_URI=http://localhost:7007/api/ml/mlflow node train.ts --experiment team/name
 *
 * In a portal training job MLFLOW_RUN_ID is set and the script logs to that run; with
 * CHECKPOINT_DIR set it saves its state every CHECKPOINT_INTERVAL_SECONDS and on SIGTERM
 * (a spot preemption), and resumes from it when started again. At the end it logs the
 * model as an MLflow model directory under `model/` (`MLmodel` and `weights.json` in
 * the `portal_logistic` flavor, which the portal's local serving target runs with its
 * example model server), so a version registered from the run can be deployed, with
 * the training columns' feature profile (`model/feature_profile.json`), the baseline
 * the portal compares an endpoint's live traffic with. Runs on Node 22.18+/24; no
 * dependencies.
 */

import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { featureProfile } from './feature_profile.ts';
import { modelFiles } from './mlflow_model.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const params = {
  lr: Number(arg('lr', '0.1')),
  epochs: Number(arg('epochs', '20')),
  batchSize: Number(arg('batch-size', '32')),
  seed: Number(arg('seed', '7')),
};
const FEATURES = ['f0', 'f1', 'f2', 'f3'];

/** mulberry32: the same data on every machine. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadDataset(seed: number) {
  const random = rng(seed);
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const truth = FEATURES.map(() => normal());
  const x = Array.from({ length: 2000 }, () => FEATURES.map(() => normal()));
  const y = x.map(row =>
    row.reduce((s, v, j) => s + v * truth[j], 0) + 0.5 * normal() > 0 ? 1 : 0,
  );
  return { x, y };
}

const predict = (w: number[], b: number, row: number[]) =>
  1 / (1 + Math.exp(-row.reduce((s, v, j) => s + v * w[j], b)));

function evaluate(w: number[], b: number, x: number[][], y: number[]) {
  let loss = 0;
  let correct = 0;
  x.forEach((row, i) => {
    const p = Math.min(Math.max(predict(w, b, row), 1e-12), 1 - 1e-12);
    loss -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
    if ((p >= 0.5 ? 1 : 0) === y[i]) correct++;
  });
  return { loss: loss / x.length, accuracy: correct / x.length };
}

class Mlflow {
  private readonly baseUrl: string;
  private readonly token?: string;
  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
  }
  private headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }
  async call(
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> = {},
  ) {
    const url = new URL(`${this.baseUrl}/api/2.0/mlflow/${path}`);
    if (method === 'GET')
      for (const [k, v] of Object.entries(body))
        url.searchParams.set(k, String(v));
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...this.headers() },
      body: method === 'POST' ? JSON.stringify(body) : undefined,
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok)
      throw Object.assign(new Error(`${path}: ${json.message}`), {
        code: json.error_code,
      });
    return json;
  }
  /** The proxied artifact store, as `mlflow.log_artifact` uploads. */
  async upload(artifactUri: string, path: string, content: string) {
    const relative = artifactUri.replace(/^mlflow-artifacts:\/+/, '');
    const response = await fetch(
      `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${relative}/${path}`,
      {
        method: 'PUT',
        headers: this.headers(),
        body: content,
      },
    );
    if (!response.ok)
      throw new Error(`upload ${path}: HTTP ${response.status}`);
  }
}

async function startRun(mlflow: Mlflow): Promise<string> {
  if (process.env.MLFLOW_RUN_ID) return process.env.MLFLOW_RUN_ID;
  const name = arg(
    'experiment',
    process.env.MLFLOW_EXPERIMENT_NAME ?? '${{ values.experiment }}',
  );
  const experimentId = await mlflow
    .call('GET', 'experiments/get-by-name', { experiment_name: name })
    .then(r => r.experiment.experiment_id);
  const { run } = await mlflow.call('POST', 'runs/create', {
    experiment_id: experimentId,
    start_time: Date.now(),
  });
  return run.info.run_id;
}

type Checkpoint = { epoch: number; w: number[]; b: number };

async function main() {
  const mlflow = new Mlflow(
    process.env.MLFLOW_TRACKING_URI ?? 'http://localhost:7007/api/ml/mlflow',
    process.env.MLFLOW_TRACKING_TOKEN,
  );
  const runId = await startRun(mlflow);
  const { x, y } = loadDataset(params.seed);
  const split = Math.floor(x.length * 0.8);
  const checkpointDir = process.env.CHECKPOINT_DIR;
  const checkpointPath =
    checkpointDir && join(checkpointDir, 'checkpoint.json');
  const resumed: Checkpoint | undefined =
    checkpointPath && existsSync(checkpointPath)
      ? JSON.parse(readFileSync(checkpointPath, 'utf8'))
      : undefined;
  const state: Checkpoint = resumed ?? {
    epoch: 0,
    w: FEATURES.map(() => 0),
    b: 0,
  };
  const save = () => {
    if (!checkpointPath) return;
    mkdirSync(checkpointDir!, { recursive: true });
    writeFileSync(`${checkpointPath}.tmp`, JSON.stringify(state));
    renameSync(`${checkpointPath}.tmp`, checkpointPath);
  };
  // A preemption notice: save, and let the platform start the job again from here.
  process.on('SIGTERM', () => {
    save();
    process.exit(143);
  });
  if (!resumed) {
    await mlflow.call('POST', 'runs/log-batch', {
      run_id: runId,
      params: Object.entries(params).map(([key, value]) => ({
        key,
        value: String(value),
      })),
    });
  }
  const intervalMs =
    Number(process.env.CHECKPOINT_INTERVAL_SECONDS ?? '60') * 1000;
  let savedAt = Date.now();
  const random = rng(params.seed + 1);
  for (; state.epoch < params.epochs; ) {
    for (let start = 0; start < split; start += params.batchSize) {
      const gradW = FEATURES.map(() => 0);
      let gradB = 0;
      const end = Math.min(start + params.batchSize, split);
      for (let n = start; n < end; n++) {
        const i = Math.floor(random() * split);
        const error = predict(state.w, state.b, x[i]) - y[i];
        x[i].forEach((v, j) => (gradW[j] += error * v));
        gradB += error;
      }
      state.w = state.w.map(
        (w, j) => w - (params.lr * gradW[j]) / (end - start),
      );
      state.b -= (params.lr * gradB) / (end - start);
    }
    state.epoch++;
    const train = evaluate(
      state.w,
      state.b,
      x.slice(0, split),
      y.slice(0, split),
    );
    const val = evaluate(state.w, state.b, x.slice(split), y.slice(split));
    const timestamp = Date.now();
    await mlflow.call('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'train_loss', value: train.loss, timestamp, step: state.epoch },
        { key: 'val_loss', value: val.loss, timestamp, step: state.epoch },
        {
          key: 'val_accuracy',
          value: val.accuracy,
          timestamp,
          step: state.epoch,
        },
      ],
    });
    if (Date.now() - savedAt >= intervalMs) {
      save();
      savedAt = Date.now();
    }
  }
  save();
  // The profile names the columns as the model's signature does: inputs f0.., output
  // probability.
  const columns: Record<string, number[]> = Object.fromEntries(
    FEATURES.map((f, j) => [f, x.map(row => row[j])]),
  );
  columns.probability = x.map(row => predict(state.w, state.b, row));
  const { run } = await mlflow.call('GET', 'runs/get', { run_id: runId });
  // As `mlflow.<flavor>.log_model` does: the directory's files, then runs/log-model.
  const artifactPath = 'model';
  const { files, info } = modelFiles(
    { featureNames: FEATURES, coefficients: state.w, intercept: state.b },
    { runId, artifactPath },
  );
  files['feature_profile.json'] = JSON.stringify(
    featureProfile(columns, { prediction: 'probability' }),
  );
  for (const [name, content] of Object.entries(files)) {
    await mlflow.upload(
      run.info.artifact_uri,
      `${artifactPath}/${name}`,
      content,
    );
  }
  await mlflow.call('POST', 'runs/log-model', {
    run_id: runId,
    model_json: JSON.stringify(info),
  });
  if (!process.env.MLFLOW_RUN_ID) {
    await mlflow.call('POST', 'runs/update', {
      run_id: runId,
      status: 'FINISHED',
      end_time: Date.now(),
    });
  }
  process.stdout.write(`trained ${state.epoch} epochs; run ${runId}\n`);
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
