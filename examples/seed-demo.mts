/**
 * Seeds the demo on `npm start`: waits for the backend, then, unless the demo
 * experiments already hold runs, trains the example model several times through the
 * MLflow API (examples/training/logistic_regression.ts), and, unless jobs exist, submits
 * two training jobs to the local pool, so the Training and Cost pages have real jobs and
 * real spend. Nothing is inserted directly: every run, metric and GPU-second comes from
 * a real training loop.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const backend = process.env.ML_PORTAL_BACKEND_URL ?? 'http://localhost:7007';
const trackingUri = `${backend}/api/ml/mlflow`;
const examples = dirname(fileURLToPath(import.meta.url));
const script = join(examples, 'training', 'logistic_regression.ts');

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
  const versions = await registerDemoModel(token);
  if (token) {
    await submitDemoJobs(token);
    await deployDemoEndpoint(token, versions);
  } else {
    console.log(
      'demo: no guest sign-in here, not submitting training jobs nor deploying',
    );
  }
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

const CHURN_MODEL = 'churn-classifier';
const STAGING_ENDPOINT = 'churn-classifier-staging';

/** Whether a run logged the MLflow model directory the local serving target serves. */
async function hasModelFiles(runId: string): Promise<boolean> {
  const response = await fetchRetrying(
    `${trackingUri}/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=model`,
  );
  if (!response.ok) return false;
  const { files = [] } = await response.json();
  return files.some((f: { path: string }) => f.path === 'model/MLmodel');
}

/**
 * Registers `churn-classifier` with two versions from the best churn runs that logged
 * their model files (v1 the best, with the `staging` alias), through the same MLflow calls
 * as `mlflow.register_model("runs:/<id>/model", ...)` and `set_registered_model_alias`,
 * then requests production for v1 for a person to approve. A model registered earlier
 * keeps its versions; it gains a second servable one if it lacks it. Returns the
 * versions whose runs have model files, best first.
 */
async function registerDemoModel(token: string | undefined): Promise<string[]> {
  const name = CHURN_MODEL;
  const existing = await fetchRetrying(
    `${trackingUri}/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(
      name,
    )}`,
  );
  const created = !existing.ok;
  if (created) {
    await mlflowPost('registered-models/create', {
      name,
      description: 'Logistic regression predicting customer churn (demo)',
    });
  }
  const aliases: Array<{ alias: string; version: string }> = created
    ? []
    : (await existing.json()).registered_model.aliases ?? [];
  const { model_versions: versions = [] } = await (
    await fetchRetrying(
      `${trackingUri}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(
        `name='${name}'`,
      )}`,
    )
  ).json();
  const servable: string[] = [];
  const registeredRuns = new Set<string>();
  for (const v of versions) {
    registeredRuns.add(v.run_id);
    if (v.run_id && (await hasModelFiles(v.run_id))) servable.push(v.version);
  }
  if (servable.length < 2) {
    const { experiment } = await (
      await fetchRetrying(
        `${trackingUri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=demo%2Fchurn-logreg`,
      )
    ).json();
    const { runs = [] } = await mlflowPost('runs/search', {
      experiment_ids: [experiment.experiment_id],
      filter: "attributes.status = 'FINISHED'",
      order_by: ['metrics.val_auc DESC'],
      max_results: 50,
    });
    for (const run of runs) {
      if (servable.length >= 2) break;
      const runId = run.info.run_id;
      if (registeredRuns.has(runId) || !(await hasModelFiles(runId))) continue;
      const { model_version } = await mlflowPost('model-versions/create', {
        name,
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
      servable.push(model_version.version);
      console.log(
        `demo: registered ${name} v${model_version.version} from run ${runId}`,
      );
    }
  }
  if (servable.length === 0) {
    console.log(`demo: no churn run with model files to register as ${name}`);
    return servable;
  }
  if (!created && aliases.some(a => a.alias === 'staging')) {
    console.log(
      `demo: model ${name} is registered, leaving its aliases as they are`,
    );
    return servable;
  }
  await mlflowPost('registered-models/alias', {
    name,
    alias: 'staging',
    version: servable[0],
  });
  console.log(`demo: ${name} v${servable[0]} is staging`);
  if (!token || !created) return servable;
  // A request for production waits on the Models tab for someone to approve it.
  const request = await portalApi(token)(`/models/${name}/promotions`, {
    method: 'POST',
    body: JSON.stringify({
      version: servable[0],
      alias: 'production',
      reason: 'Best validation AUC of the demo sweep',
    }),
  });
  console.log(
    `demo: requested production for ${name} v${servable[0]}: ${request.status}`,
  );
  return servable;
}

/** Polls the endpoint until `done` holds; the endpoint, or undefined after `timeoutMs`. */
async function endpointWhen(
  api: ReturnType<typeof portalApi>,
  done: (endpoint: any) => boolean,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const endpoint = await (
      await api(`/deployments/endpoints/${STAGING_ENDPOINT}`)
    ).json();
    if (done(endpoint) || Date.now() > deadline) {
      return done(endpoint) ? endpoint : undefined;
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

/**
 * Serves `churn-classifier`'s staging alias on a local real-time endpoint owned by the
 * model's owner, sends it a trickle of requests (examples/serving/load_generator.ts),
 * then deploys the second version as a canary, which the analysis promotes after a
 * minute of that traffic (ml.deployments.canary in app-config.yaml). An endpoint that
 * exists is left as it is; only its trickle is started again.
 */
async function deployDemoEndpoint(token: string, versions: string[]) {
  const api = portalApi(token);
  const existing = await api(`/deployments/endpoints/${STAGING_ENDPOINT}`);
  if (existing.ok) {
    console.log(
      `demo: endpoint ${STAGING_ENDPOINT} exists, leaving it as it is`,
    );
    startLoadGenerator();
    return;
  }
  if (versions.length === 0) return;
  const model = await (await api(`/models/${CHURN_MODEL}`)).json();
  const created = await api('/deployments/endpoints', {
    method: 'POST',
    body: JSON.stringify({
      name: STAGING_ENDPOINT,
      owner: model.owner,
      modelName: CHURN_MODEL,
      alias: 'staging',
      kind: 'real-time',
      target: 'local',
      description: 'The demo: churn-classifier@staging on this host',
    }),
  });
  if (created.status !== 201) {
    throw new Error(
      `creating endpoint ${STAGING_ENDPOINT}: ${
        created.status
      } ${await created.text()}`,
    );
  }
  const ready = await endpointWhen(
    api,
    e =>
      e.status === 'FAILED' ||
      (e.status === 'READY' &&
        e.deployments.every((d: any) => d.state === 'ready')),
    180_000,
  );
  if (ready?.status !== 'READY') {
    throw new Error(
      `endpoint ${STAGING_ENDPOINT} is not READY after 3 minutes: ${
        ready?.deployments?.[0]?.reason ?? 'still starting'
      }`,
    );
  }
  console.log(
    `demo: endpoint ${STAGING_ENDPOINT} READY, serving v${ready.deployments[0].version} at ${ready.url}`,
  );
  startLoadGenerator();
  if (versions.length < 2) return;
  const deployed = await api(
    `/deployments/endpoints/${STAGING_ENDPOINT}/deploy`,
    { method: 'POST', body: JSON.stringify({ version: versions[1] }) },
  );
  const canary = (await deployed.json()).canary;
  console.log(
    `demo: canary of ${CHURN_MODEL} v${versions[1]} on ${STAGING_ENDPOINT}: ${
      deployed.status
    } ${canary ? `${canary.status} at ${canary.percent}%` : ''}`,
  );
  const decided = await endpointWhen(
    api,
    e => e.canaries?.[0]?.status && e.canaries[0].status !== 'RUNNING',
    240_000,
  );
  const verdict = decided?.canaries[0];
  console.log(
    `demo: canary of v${versions[1]}: ${
      verdict?.status ?? 'still running after 4 minutes'
    }${verdict?.verdict?.reason ? ` (${verdict.verdict.reason})` : ''}; ${
      decided?.stats?.requestsPerMinute ?? '?'
    } requests/min on ${STAGING_ENDPOINT}`,
  );
}

/**
 * Starts the load generator on the staging endpoint as a detached process writing to a
 * log file, unless the one started before still runs. It stops by itself 30 s after the
 * portal stops answering, so it ends with `npm start`.
 */
function startLoadGenerator() {
  const pidFile = join(tmpdir(), 'ml-portal-demo-load.pid');
  const logFile = join(tmpdir(), 'ml-portal-demo-load.log');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(pid, 0);
      console.log(`demo: the load generator runs already (pid ${pid})`);
      return;
    } catch {
      // gone: start another
    }
  }
  const out = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      join(examples, 'serving', 'load_generator.ts'),
      '--endpoint',
      STAGING_ENDPOINT,
      '--rps',
      '5',
      '--base-url',
      `${backend}/api/ml`,
      '--guest',
      '--exit-after-refused',
      '30',
      // Three minutes in, f0 moves by 1.5 sd: the endpoint's drift alert opens.
      '--drift-after',
      '180',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  console.log(
    `demo: sending 5 requests/s to ${STAGING_ENDPOINT} (load generator pid ${child.pid}, log ${logFile})`,
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
