/**
 * Seeds the demo on `npm start`: waits for the backend, then, unless the demo
 * experiments already hold runs, trains the example model several times through the
 * MLflow API (examples/training/logistic_regression.ts), and, unless jobs exist, submits
 * two training jobs to the local pool, so the Training and Cost pages have real jobs and
 * real spend. Nothing is inserted directly: every run, metric and GPU-second comes from
 * a real training loop.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const backend = process.env.ML_PORTAL_BACKEND_URL ?? 'http://localhost:7007';
const trackingUri = `${backend}/api/ml/mlflow`;
const script = join(
  dirname(fileURLToPath(import.meta.url)),
  'training',
  'logistic_regression.ts',
);

/** Hyperparameter grids per demo experiment. */
const demo: Record<string, string[][]> = {
  'demo/churn-logreg': [
    ['--lr', '0.03', '--l2', '0'],
    ['--lr', '0.1', '--l2', '0'],
    ['--lr', '0.3', '--l2', '0'],
    ['--lr', '0.1', '--l2', '0.01'],
    ['--lr', '0.3', '--l2', '0.01'],
    ['--lr', '1.0', '--l2', '0.001', '--epochs', '60'],
  ],
  'demo/fraud-logreg': [
    ['--features', '16', '--lr', '0.05', '--seed', '11'],
    ['--features', '16', '--lr', '0.2', '--seed', '11'],
    ['--features', '16', '--lr', '0.2', '--seed', '11', '--batch-size', '128'],
  ],
  'recsys/ranking-logreg': [
    ['--features', '12', '--lr', '0.1', '--seed', '5'],
    ['--features', '12', '--lr', '0.3', '--seed', '5'],
  ],
};

/**
 * Experiments logged by another team's CI: the recsys token of the local config
 * (backend.auth.externalAccess, mapped to group:default/recsys by
 * ml.permissions.servicePrincipals). The guest, of ML Platform, reads them but may not
 * change them; the rest log as anonymous MLflow clients (ml.mlflow.anonymousGroup).
 */
const tokens: Record<string, string> = {
  'recsys/ranking-logreg': 'local-recsys-ci-token-not-a-secret',
};

async function waitForBackend() {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const response = await fetch(`${backend}/api/ml/health`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
  throw new Error(
    `the backend at ${backend} did not become healthy within 5 minutes`,
  );
}

async function runCount(experiment: string): Promise<number> {
  const get = await fetchRetrying(
    `${trackingUri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(
      experiment,
    )}`,
  );
  if (get.status === 404) return 0;
  const { experiment: e } = await get.json();
  const search = await fetchRetrying(
    `${trackingUri}/api/2.0/mlflow/runs/search`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        experiment_ids: [e.experiment_id],
        max_results: 1,
      }),
    },
  );
  return ((await search.json()).runs ?? []).length;
}

async function main() {
  await waitForBackend();
  let failures = 0;
  for (const [experiment, grid] of Object.entries(demo)) {
    if ((await runCount(experiment)) > 0) {
      console.log(`demo: ${experiment} already has runs, leaving it as it is`);
      continue;
    }
    for (const args of grid) {
      const result = spawnSync(
        process.execPath,
        [script, '--experiment', experiment, ...args],
        {
          env: {
            ...process.env,
            MLFLOW_TRACKING_URI: trackingUri,
            ...(tokens[experiment] && {
              MLFLOW_TRACKING_TOKEN: tokens[experiment],
            }),
          },
          encoding: 'utf8',
        },
      );
      if (result.status !== 0) failures++;
      process.stdout.write(
        `demo: ${experiment} ${args.join(' ')}: ${
          result.stdout.trim() || result.stderr.trim()
        }\n`,
      );
    }
  }
  const token = await guestToken();
  await registerDemoModel(token);
  if (token) await submitDemoJobs(token);
  else console.log('demo: no guest sign-in here, not submitting training jobs');
  if (failures > 0) throw new Error(`${failures} training runs failed`);
}

/** POSTs to the MLflow API as an MLflow client does; the answer's JSON, or throws MLflow's error. */
async function mlflowPost(path: string, body: object) {
  const response = await fetchRetrying(
    `${trackingUri}/api/2.0/mlflow/${path}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
  );
  const json = await response.json();
  if (!response.ok)
    throw new Error(`${path}: ${json.error_code} ${json.message}`);
  return json;
}

/**
 * Registers the best churn run as `churn-classifier` v1 with the `staging` alias, through
 * the same MLflow calls as `mlflow.register_model("runs:/<id>/model", ...)` and
 * `set_registered_model_alias`, then requests production for a person to approve.
 */
async function registerDemoModel(token: string | undefined) {
  const name = 'churn-classifier';
  const existing = await fetchRetrying(
    `${trackingUri}/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(
      name,
    )}`,
  );
  if (existing.ok) {
    console.log(`demo: model ${name} is registered, leaving it as it is`);
    return;
  }
  const { experiment } = await (
    await fetchRetrying(
      `${trackingUri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=demo%2Fchurn-logreg`,
    )
  ).json();
  const { runs = [] } = await mlflowPost('runs/search', {
    experiment_ids: [experiment.experiment_id],
    filter: "attributes.status = 'FINISHED'",
    order_by: ['metrics.val_auc DESC'],
    max_results: 1,
  });
  if (runs.length === 0) {
    console.log('demo: no finished churn run to register');
    return;
  }
  const runId = runs[0].info.run_id;
  await mlflowPost('registered-models/create', {
    name,
    description: 'Logistic regression predicting customer churn (demo)',
  });
  const { model_version } = await mlflowPost('model-versions/create', {
    name,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  await mlflowPost('registered-models/alias', {
    name,
    alias: 'staging',
    version: model_version.version,
  });
  console.log(
    `demo: registered ${name} v${model_version.version} from run ${runId} as staging`,
  );
  if (!token) return;
  // A request for production waits on the Models tab for someone to approve it.
  const request = await portalApi(token)(`/models/${name}/promotions`, {
    method: 'POST',
    body: JSON.stringify({
      version: model_version.version,
      alias: 'production',
      reason: 'Best validation AUC of the demo sweep',
    }),
  });
  console.log(
    `demo: requested production for ${name} v${model_version.version}: ${request.status}`,
  );
}

/**
 * fetch, tried again on a network error: after the training loops (spawnSync blocks
 * this process for seconds) the pooled keep-alive socket may be closed by the server as
 * the next request goes out ("fetch failed (other side closed)"; seen twice here).
 */
async function fetchRetrying(
  url: string,
  init?: RequestInit,
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt === 5) throw error;
      await new Promise(resolve => setTimeout(resolve, 2000));
    }
  }
}

/** The guest user's token (local sign-in only), or undefined where there is no guest sign-in. */
async function guestToken(): Promise<string | undefined> {
  const refresh = await fetchRetrying(`${backend}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  return refresh.ok
    ? (await refresh.json()).backstageIdentity.token
    : undefined;
}

/** Calls the portal API (`/api/ml`) as the guest. */
function portalApi(token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetchRetrying(`${backend}/api/ml${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
    });
}

/** Two jobs through the training API as the guest user. */
async function submitDemoJobs(token: string) {
  const api = (path: string, init: RequestInit = {}) =>
    portalApi(token)(`/training${path}`, init);
  if (((await (await api('/jobs')).json()).items ?? []).length > 0) {
    console.log('demo: training jobs exist, leaving them as they are');
    return;
  }
  for (const [name, lr] of [
    ['churn-nightly', '0.1'],
    ['churn-sweep-lr-0.3', '0.3'],
  ]) {
    const response = await api('/jobs', {
      method: 'POST',
      body: JSON.stringify({
        name,
        profile: 'local-small',
        experiment: 'demo/churn-logreg',
        command: [
          'node',
          'examples/training/logistic_regression.ts',
          '--lr',
          lr,
          '--epochs',
          '600',
        ],
        // Lineage: the Feast view (examples/feast) the job reads, as the catalog knows it.
        inputs: { featureViews: ['rideshare/customer_profile'] },
      }),
    });
    console.log(`demo: submitted training job ${name}: ${response.status}`);
  }
}

main().catch(error => {
  console.error(
    `demo: seeding failed: ${error.message}${
      error.cause ? ` (${error.cause.message ?? error.cause})` : ''
    }`,
  );
  process.exit(1);
});
