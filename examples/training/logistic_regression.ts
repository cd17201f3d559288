/**
 * A real, small training loop that logs to the portal exactly as an MLflow client does:
 * over MLflow's REST API at MLFLOW_TRACKING_URI. Logistic regression by mini-batch SGD
 * on a generated, seeded two-class dataset; logs params, the dataset input, per-epoch
 * train/validation loss, accuracy and AUC, and the trained model as an MLflow model
 * directory (`model/MLmodel` + `model/weights.json`, see examples/serving/model.ts) when
 * the server proxies artifacts; examples/serving/model_server.ts serves that directory.
 * The directory also holds `feature_profile.json`: the training features' and the
 * predicted probability's quantile bins (docs/feature-profile.md), the baseline the
 * portal compares the endpoint's live traffic with.
 *
 *   MLFLOW_TRACKING_URI=http://localhost:7007/api/ml/mlflow \
 *     node examples/training/logistic_regression.ts --experiment demo/churn --lr 0.1 --epochs 30
 *
 * Inside a portal training job MLFLOW_RUN_ID is set and the script logs to that run.
 * With CHECKPOINT_DIR set (the platform sets it per job) it saves its state every
 * CHECKPOINT_INTERVAL_SECONDS and on SIGTERM (a preemption notice), and resumes from the
 * latest checkpoint when started again, so a preempted job loses at most one interval.
 * Like MLflow's client, every request is retried on connection errors and on 408, 429
 * and 5xx answers with exponential backoff, so a portal restart does not fail the job:
 * MLFLOW_HTTP_REQUEST_MAX_RETRIES (7), MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR (2),
 * MLFLOW_HTTP_REQUEST_BACKOFF_JITTER (1) and MLFLOW_HTTP_REQUEST_TIMEOUT (120 s), with
 * MLflow's defaults.
 * Runs on Node 22.18+/24 (type stripping); no dependencies.
 */

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelFiles } from '../serving/model.ts';
import { featureProfile } from './feature_profile.ts';

type Args = {
  experiment: string;
  lr: number;
  epochs: number;
  batchSize: number;
  l2: number;
  samples: number;
  features: number;
  seed: number;
  runName?: string;
  /** Slows each epoch down, to watch a job run (and preempt it) in the portal. */
  epochDelayMs: number;
};

type Checkpoint = { epoch: number; w: number[]; b: number };

/** Writes atomically: a preemption mid-write never leaves a torn checkpoint. */
function saveCheckpoint(dir: string, checkpoint: Checkpoint) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'checkpoint.json');
  writeFileSync(`${path}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${path}.tmp`, path);
}

function loadCheckpoint(dir: string | undefined): Checkpoint | undefined {
  const path = dir && join(dir, 'checkpoint.json');
  return path && existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : process.env[`TRAIN_${name.toUpperCase()}`] ?? fallback;
  };
  return {
    experiment: get('experiment', process.env.MLFLOW_EXPERIMENT_NAME ?? 'demo/churn-logreg'),
    lr: Number(get('lr', '0.1')),
    epochs: Number(get('epochs', '30')),
    batchSize: Number(get('batch-size', '32')),
    l2: Number(get('l2', '0.001')),
    samples: Number(get('samples', '2000')),
    features: Number(get('features', '8')),
    seed: Number(get('seed', '7')),
    runName: argv.includes('--run-name') ? get('run-name', '') : undefined,
    epochDelayMs: Number(get('epoch-delay-ms', '0')),
  };
}

/** mulberry32: a small seeded PRNG, so a dataset is the same on every machine. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

type Dataset = { x: number[][]; y: number[] };

function generateDataset(samples: number, features: number, seed: number): Dataset {
  const random = rng(seed);
  const trueWeights = Array.from({ length: features }, () => gaussian(random));
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < samples; i++) {
    const row = Array.from({ length: features }, () => gaussian(random));
    const logit = row.reduce((s, v, j) => s + v * trueWeights[j], 0) + 0.5 * gaussian(random);
    x.push(row);
    y.push(logit > 0 ? 1 : 0);
  }
  return { x, y };
}

/** Fisher-Yates: the sample order of one epoch. */
function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function predict(w: number[], b: number, row: number[]) {
  return sigmoid(row.reduce((s, v, j) => s + v * w[j], b));
}

function evaluate(w: number[], b: number, data: Dataset) {
  let loss = 0;
  let correct = 0;
  const scored: Array<[number, number]> = [];
  data.x.forEach((row, i) => {
    const p = Math.min(Math.max(predict(w, b, row), 1e-12), 1 - 1e-12);
    loss -= data.y[i] * Math.log(p) + (1 - data.y[i]) * Math.log(1 - p);
    if ((p >= 0.5 ? 1 : 0) === data.y[i]) correct++;
    scored.push([p, data.y[i]]);
  });
  // AUC by ranking: the probability a positive scores above a negative.
  scored.sort((a, b2) => a[0] - b2[0]);
  let rankSum = 0;
  let positives = 0;
  scored.forEach(([, label], rank) => {
    if (label === 1) {
      rankSum += rank + 1;
      positives++;
    }
  });
  const negatives = scored.length - positives;
  const auc = (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
  return { loss: loss / data.x.length, accuracy: correct / data.x.length, auc };
}

/** The statuses MLflow's client retries (mlflow/utils/request_utils.py). */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** urllib3's cap on one backoff, which MLflow's retries inherit. */
const BACKOFF_MAX_SECONDS = 120;

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got '${raw}'`);
  return value;
}

const retryPolicy = {
  maxRetries: numberFromEnv('MLFLOW_HTTP_REQUEST_MAX_RETRIES', 7),
  backoffFactor: numberFromEnv('MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 2),
  backoffJitter: numberFromEnv('MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', 1),
  timeoutMs: numberFromEnv('MLFLOW_HTTP_REQUEST_TIMEOUT', 120) * 1000,
};

/**
 * Seconds before retry `n` (1-based), as urllib3's Retry computes it for MLflow: none
 * before the first, then factor × 2^(n-1) plus up to `jitter` seconds, at most 120 s;
 * a Retry-After header (429, 503) wins when it asks for longer.
 */
function backoffSeconds(n: number, retryAfter: string | null): number {
  const backoff =
    n <= 1
      ? 0
      : Math.min(
          BACKOFF_MAX_SECONDS,
          retryPolicy.backoffFactor * 2 ** (n - 1) + Math.random() * retryPolicy.backoffJitter,
        );
  const asked = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : 0;
  return Math.max(backoff, asked);
}

/**
 * fetch, retried as MLflow's client retries: connection errors, timeouts and transient
 * statuses, up to MLFLOW_HTTP_REQUEST_MAX_RETRIES times; the last answer or error is
 * the caller's. Bodies here are strings, so a request can be sent again as it was.
 */
async function fetchWithRetries(url: URL | string, init: RequestInit, what: string): Promise<Response> {
  for (let retry = 1; ; retry++) {
    let reason: string;
    let retryAfter: string | null = null;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(retryPolicy.timeoutMs) });
      if (!TRANSIENT_STATUSES.has(response.status) || retry > retryPolicy.maxRetries) return response;
      reason = `HTTP ${response.status}`;
      retryAfter = response.headers.get('retry-after');
      await response.body?.cancel();
    } catch (error) {
      if (retry > retryPolicy.maxRetries) throw error;
      const cause = (error as { cause?: { code?: string } }).cause;
      reason = cause?.code ?? (error as Error).message;
    }
    const seconds = backoffSeconds(retry, retryAfter);
    process.stderr.write(
      `${what}: ${reason}; retry ${retry}/${retryPolicy.maxRetries} in ${seconds.toFixed(1)} s\n`,
    );
    await new Promise(resolve => setTimeout(resolve, seconds * 1000));
  }
}

class Mlflow {
  // Plain fields: Node's type stripping does not support parameter properties.
  private readonly baseUrl: string;
  private readonly token?: string;

  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async call<T = any>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/2.0/mlflow/${path}`);
    if (method === 'GET' && body) {
      for (const [k, v] of Object.entries(body)) url.searchParams.set(k, String(v));
    }
    const response = await fetchWithRetries(
      url,
      {
        method,
        headers: {
          'content-type': 'application/json',
          ...(this.token && { authorization: `Bearer ${this.token}` }),
        },
        body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      },
      path,
    );
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(`${path}: ${json.error_code} ${json.message}`) as Error & { code?: string };
      error.code = json.error_code;
      throw error;
    }
    return json as T;
  }

  async experimentId(name: string): Promise<string> {
    try {
      return (await this.call('GET', 'experiments/get-by-name', { experiment_name: name })).experiment.experiment_id;
    } catch (error) {
      if ((error as { code?: string }).code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
      return (await this.call('POST', 'experiments/create', { name })).experiment_id;
    }
  }

  /** Uploads through the server's proxied artifact API, as `mlflow.log_artifact` does. */
  async uploadArtifact(artifactUri: string, path: string, content: string): Promise<boolean> {
    if (!artifactUri.startsWith('mlflow-artifacts:/')) return false;
    const relative = artifactUri.slice('mlflow-artifacts:/'.length).replace(/^\/+/, '');
    const response = await fetchWithRetries(
      `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${relative}/${path}`,
      {
        method: 'PUT',
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
        body: content,
      },
      `upload ${path}`,
    );
    return response.ok;
  }
}

/**
 * Logs the model as `mlflow.<flavor>.log_model` does: the model directory's files under
 * `model/`, then `runs/log-model`, which appends it to the run's logged models.
 */
async function logModel(
  mlflow: Mlflow,
  runId: string,
  artifactUri: string,
  model: Parameters<typeof modelFiles>[0],
  extraFiles: Record<string, string>,
): Promise<boolean> {
  const artifactPath = 'model';
  const { files, info } = modelFiles(model, { runId, artifactPath });
  for (const [name, content] of Object.entries({ ...files, ...extraFiles })) {
    if (!(await mlflow.uploadArtifact(artifactUri, `${artifactPath}/${name}`, content))) return false;
  }
  await mlflow.call('POST', 'runs/log-model', { run_id: runId, model_json: JSON.stringify(info) });
  return true;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const trackingUri = process.env.MLFLOW_TRACKING_URI;
  if (!trackingUri) {
    throw new Error('Set MLFLOW_TRACKING_URI, e.g. http://localhost:7007/api/ml/mlflow');
  }
  const mlflow = new Mlflow(trackingUri.replace(/\/+$/, ''), process.env.MLFLOW_TRACKING_TOKEN);

  let runId = process.env.MLFLOW_RUN_ID;
  let artifactUri: string;
  if (runId) {
    artifactUri = (await mlflow.call('GET', 'runs/get', { run_id: runId })).run.info.artifact_uri;
  } else {
    const experimentId = process.env.MLFLOW_EXPERIMENT_ID ?? (await mlflow.experimentId(args.experiment));
    const { run } = await mlflow.call('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: args.runName,
      start_time: Date.now(),
      tags: [{ key: 'mlflow.source.name', value: 'examples/training/logistic_regression.ts' }],
    });
    runId = run.info.run_id as string;
    artifactUri = run.info.artifact_uri;
  }

  const data = generateDataset(args.samples, args.features, args.seed);
  const split = Math.floor(args.samples * 0.8);
  const train = { x: data.x.slice(0, split), y: data.y.slice(0, split) };
  const validation = { x: data.x.slice(split), y: data.y.slice(split) };

  const checkpointDir = process.env.CHECKPOINT_DIR;
  const resumed = loadCheckpoint(checkpointDir);
  // Params are immutable in MLflow: a resumed attempt logs them again with the same values.
  await mlflow.call('POST', 'runs/log-batch', {
    run_id: runId,
    params: Object.entries(args)
      .filter(([k, v]) => !['experiment', 'runName', 'epochDelayMs'].includes(k) && v !== undefined)
      .map(([key, value]) => ({ key, value: String(value) })),
    tags: [{ key: 'model_type', value: 'logistic_regression' }],
  });
  await mlflow.call('POST', 'runs/log-inputs', {
    run_id: runId,
    datasets: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: `synthetic-churn-${args.features}f`,
          digest: `seed${args.seed}-n${args.samples}`,
          source_type: 'code',
          source: JSON.stringify({ generator: 'examples/training/logistic_regression.ts', seed: args.seed }),
          schema: JSON.stringify({ features: args.features, label: 'churned' }),
        },
      },
    ],
  });

  let w = Array.from({ length: args.features }, () => 0.01 * gaussian(rng(args.seed + 1)));
  let b = 0;
  let firstEpoch = 0;
  if (resumed) {
    ({ w, b } = resumed);
    firstEpoch = resumed.epoch + 1;
    process.stdout.write(`resumed from checkpoint at epoch ${resumed.epoch}\n`);
  }
  let current: Checkpoint | undefined = resumed;
  let lastSave = Date.now();
  const intervalMs = Number(process.env.CHECKPOINT_INTERVAL_SECONDS ?? '60') * 1000;
  // A preemption notice: save what we have and stop; the next attempt resumes from here.
  // `on`, not `once`: the target signals the whole process group and the supervisor
  // forwards the signal too, and a second SIGTERM must not kill Node before the
  // checkpoint is written.
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    if (checkpointDir && current) saveCheckpoint(checkpointDir, current);
    process.stdout.write(`SIGTERM: checkpoint saved at epoch ${current?.epoch ?? 'none'}, exiting\n`);
    process.exit(143);
  });
  try {
    for (let epoch = firstEpoch; epoch < args.epochs; epoch++) {
      // Seeded per epoch, so a resumed run shuffles exactly as an uninterrupted one.
      const random = rng(args.seed * 1000 + epoch);
      const order = shuffled(train.x.length, random);
      for (let start = 0; start < order.length; start += args.batchSize) {
        const batch = order.slice(start, start + args.batchSize);
        const gw = new Array(args.features).fill(0);
        let gb = 0;
        for (const i of batch) {
          const error = predict(w, b, train.x[i]) - train.y[i];
          train.x[i].forEach((v, j) => (gw[j] += error * v));
          gb += error;
        }
        w.forEach((_, j) => (w[j] -= args.lr * (gw[j] / batch.length + args.l2 * w[j])));
        b -= (args.lr * gb) / batch.length;
      }
      const t = evaluate(w, b, train);
      const v = evaluate(w, b, validation);
      const timestamp = Date.now();
      await mlflow.call('POST', 'runs/log-batch', {
        run_id: runId,
        metrics: [
          ['train_loss', t.loss],
          ['train_accuracy', t.accuracy],
          ['val_loss', v.loss],
          ['val_accuracy', v.accuracy],
          ['val_auc', v.auc],
        ].map(([key, value]) => ({ key, value, timestamp, step: epoch })),
      });
      process.stdout.write(`epoch ${epoch}: val_loss=${v.loss.toFixed(4)} val_auc=${v.auc.toFixed(4)}\n`);
      current = { epoch, w: [...w], b };
      if (checkpointDir && Date.now() - lastSave >= intervalMs) {
        saveCheckpoint(checkpointDir, current);
        lastSave = Date.now();
      }
      if (args.epochDelayMs > 0) await new Promise(r => setTimeout(r, args.epochDelayMs));
    }
    const featureNames = Array.from({ length: args.features }, (_, j) => `f${j}`);
    // The baseline for drift: the training rows' features and what the model predicts
    // for them, under the names the model's signature gives (inputs f0.., output
    // probability).
    const profile = featureProfile(
      {
        ...Object.fromEntries(featureNames.map((name, j) => [name, train.x.map(row => row[j])])),
        probability: train.x.map(row => predict(w, b, row)),
      },
      { prediction: 'probability' },
    );
    const uploaded = await logModel(
      mlflow,
      runId,
      artifactUri,
      { featureNames, coefficients: w, intercept: b },
      { 'feature_profile.json': JSON.stringify(profile, null, 2) },
    );
    await mlflow.call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
    process.stdout.write(`run ${runId} finished${uploaded ? ' (model uploaded)' : ''}\n`);
  } catch (error) {
    await mlflow.call('POST', 'runs/update', { run_id: runId, status: 'FAILED', end_time: Date.now() }).catch(() => {});
    throw error;
  }
}

main().catch(error => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
