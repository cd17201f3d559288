import { APIRequestContext, expect, Page, test } from '@playwright/test';
import {
  BACKEND,
  guestToken,
  saveScreenshot,
  signIn,
  waitForDemoExperiment,
} from './support';

const MLFLOW = `${BACKEND}/api/ml/mlflow/api/2.0`;

/** The guest's calls to the portal's API, for what the test sets up beside the pages. */
function guestApi(request: APIRequestContext) {
  const headers = async () => ({
    Authorization: `Bearer ${await guestToken(request)}`,
  });
  const ok = async (
    what: string,
    response: Awaited<ReturnType<APIRequestContext['get']>>,
  ) => {
    if (!response.ok()) {
      throw new Error(`${what}: ${response.status()} ${await response.text()}`);
    }
    return response;
  };
  return {
    async post<T>(url: string, data: object): Promise<T> {
      const response = await request.post(url, {
        headers: await headers(),
        data,
      });
      return (await ok(`POST ${url}`, response)).json();
    },
    /** A GET answer's text, or undefined while it does not exist (404). */
    async getText(url: string): Promise<string | undefined> {
      const response = await request.get(url, { headers: await headers() });
      if (response.status() === 404) return undefined;
      return (await ok(`GET ${url}`, response)).text();
    },
    async upload(url: string, body: string) {
      await ok(
        `PUT ${url}`,
        await request.put(url, {
          headers: {
            ...(await headers()),
            'Content-Type': 'application/octet-stream',
          },
          data: Buffer.from(body),
        }),
      );
    },
  };
}

type ModelDir = { MLmodel: string; weights: string };
type Run = { experimentId: string; runId: string };

const modelFile = (run: Run, file: string) =>
  `${MLFLOW}/mlflow-artifacts/artifacts/${run.experimentId}/${run.runId}/artifacts/model/${file}`;

/**
 * A grid run of the demo's churn experiment whose model directory is logged
 * (`model/MLmodel` and `model/weights.json`), waiting for the seeding's training to log
 * one: the runs appear before their models.
 */
async function demoRunWithModel(
  request: APIRequestContext,
): Promise<Run & { model: ModelDir }> {
  const api = guestApi(request);
  let found: (Run & { model: ModelDir }) | undefined;
  await expect
    .poll(
      async () => {
        const named = await api.getText(
          `${MLFLOW}/mlflow/experiments/get-by-name?experiment_name=demo/churn-logreg`,
        );
        if (!named) return false;
        const { experiment } = JSON.parse(named) as {
          experiment: { experiment_id: string };
        };
        const { runs = [] } = await api.post<{
          runs?: Array<{ info: { run_id: string } }>;
        }>(`${MLFLOW}/mlflow/runs/search`, {
          experiment_ids: [experiment.experiment_id],
          filter: "params.epochs != '600'",
        });
        for (const { info } of runs) {
          const run = {
            experimentId: experiment.experiment_id,
            runId: info.run_id,
          };
          const MLmodel = await api.getText(modelFile(run, 'MLmodel'));
          const weights = await api.getText(modelFile(run, 'weights.json'));
          if (MLmodel && weights) {
            found = { ...run, model: { MLmodel, weights } };
            return true;
          }
        }
        return false;
      },
      { timeout: 300_000, intervals: [1_000, 2_000, 5_000] },
    )
    .toBe(true);
  return found!;
}

/**
 * Registers a new version of `model` from a new run of the demo experiment whose
 * model directory is `files` (uploaded through MLflow's artifact API, as MLflow's
 * client logs a model). Returns the version.
 */
async function registerVersion(
  request: APIRequestContext,
  model: string,
  experimentId: string,
  files: ModelDir,
): Promise<string> {
  const api = guestApi(request);
  const { run } = await api.post<{ run: { info: { run_id: string } } }>(
    `${MLFLOW}/mlflow/runs/create`,
    { experiment_id: experimentId, run_name: `${model}-e2e-version` },
  );
  const created = { experimentId, runId: run.info.run_id };
  // The MLmodel names the run that logged it, as MLflow's log_model writes it.
  await api.upload(
    modelFile(created, 'MLmodel'),
    files.MLmodel.replace(/^run_id: .*$/m, `run_id: ${created.runId}`),
  );
  await api.upload(modelFile(created, 'weights.json'), files.weights);
  const registered = await api.post<{ version: string }>(
    `${BACKEND}/api/ml/models/${model}/versions`,
    { runId: created.runId },
  );
  return registered.version;
}

/**
 * The same model directory with the local config's `portal_logistic_chaos` flavor
 * listed first: the local target serves it with the example server failing 30% of
 * requests (the model server itself still loads the `portal_logistic` weights).
 */
const chaosFlavored = (files: ModelDir): ModelDir => ({
  ...files,
  MLmodel: files.MLmodel.replace(
    /^flavors:\n/m,
    'flavors:\n  portal_logistic_chaos:\n    weights: weights.json\n',
  ),
});

/**
 * A steady trickle of scoring requests through the portal's router (unauthenticated,
 * as the local config allows), in the background of the test until `stop`. Requests
 * go one after another at a fixed pace: a load, not a synchronisation.
 */
function startTrickle(
  request: APIRequestContext,
  endpoint: string,
  featureNames: string[],
) {
  const counts = { ok: 0, failed: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const row = featureNames.map(() =>
        Number((Math.random() * 2 - 1).toFixed(3)),
      );
      try {
        const response = await request.post(
          `${BACKEND}/api/ml/serving/${endpoint}/invocations`,
          { data: { dataframe_split: { columns: featureNames, data: [row] } } },
        );
        if (response.ok()) counts.ok += 1;
        else counts.failed += 1;
      } catch {
        counts.failed += 1;
      }
      await new Promise(resolve => setTimeout(resolve, 150));
    }
  })();
  return {
    counts,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Deploys `version` from the endpoint page's "Deploy version" dialog as a canary. */
async function deployCanary(page: Page, version: string) {
  await page.getByRole('button', { name: 'Deploy version' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('combobox', { name: /^Version/ }).click();
  await page.getByRole('option', { name: `Version ${version}` }).click();
  await expect(
    dialog.getByLabel('Canary beside the stable version'),
  ).toBeChecked();
  await dialog.getByRole('button', { name: 'Deploy' }).click();
  await expect(dialog).toBeHidden();
}

// A click that finds nothing fails in minutes with what it looked for, not at the test's end.
test.use({ actionTimeout: 60_000, navigationTimeout: 120_000 });

test('a version is deployed from its page, serves live traffic, and a failing canary is rolled back', async ({
  page,
  request,
}) => {
  // Seeding, a model server's start and two canaries of a minute each on a loaded machine.
  test.setTimeout(1_200_000);
  const pageErrors: string[] = [];
  page.on('pageerror', error => pageErrors.push(error.message));
  const suffix = Date.now().toString(36);
  const model = `churn-serve-${suffix}`;
  const endpoint = `churn-e2e-${suffix}`;

  await waitForDemoExperiment(request);
  const source = await demoRunWithModel(request);
  const featureNames: string[] = JSON.parse(source.model.weights).feature_names;
  expect(featureNames.length).toBeGreaterThan(0);

  // Register the run's model from its page, then deploy version 1 from the version page.
  await signIn(page);
  // Signed in once the app's navigation shows: a load before that signs in again.
  await expect(
    page.getByRole('link', { name: 'ML Platform' }).first(),
  ).toBeVisible();
  await page.goto(
    `/ml/experiments/${source.experimentId}/runs/${source.runId}`,
  );
  await page.getByRole('button', { name: 'Register model' }).click();
  await page.getByLabel('Model name').fill(model);
  await page.getByRole('button', { name: 'Register', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/ml/models/${model}/versions/1$`));

  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('A new endpoint')).toBeChecked();
  await dialog.getByLabel('Endpoint name').fill(endpoint);
  await dialog.getByLabel('Target').click();
  await page.getByRole('option', { name: 'local', exact: true }).click();
  await expect(dialog.getByLabel('Pin version 1')).toBeChecked();
  await dialog.getByRole('button', { name: 'Deploy' }).click();
  await expect(page).toHaveURL(new RegExp(`/ml/deployments/${endpoint}$`));

  // The page polls while the model server starts; ready, the endpoint has its URL.
  const traffic = page.getByRole('list', { name: 'traffic split' });
  await expect(traffic).toContainText('v1 stable', { timeout: 120_000 });
  await expect(traffic).toContainText('ready', { timeout: 120_000 });
  await expect(
    page.getByText(`/api/ml/serving/${endpoint}/invocations`).first(),
  ).toBeVisible({ timeout: 60_000 });

  const trickle = startTrickle(request, endpoint, featureNames);
  try {
    // Versions for the canaries: one served failing 30% of requests, one as version 1.
    const chaosVersion = await registerVersion(
      request,
      model,
      source.experimentId,
      chaosFlavored(source.model),
    );
    await expect
      .poll(() => trickle.counts.ok, { timeout: 60_000 })
      .toBeGreaterThan(20);

    // The router's counts reach the charts; the idle page does not poll, so load it again.
    const latency = page.getByRole('figure', { name: 'Latency per version' });
    await expect(async () => {
      await page.reload();
      await expect(latency.getByText('v1 p95')).toBeVisible({
        timeout: 10_000,
      });
    }).toPass({ timeout: 180_000 });
    await expect(page.getByText(/No requests in the last/)).toBeHidden();
    await saveScreenshot(page, 'deployments-endpoint.png');

    // The bad version as a canary: the analysis rolls it back, traffic returns to v1.
    await deployCanary(page, chaosVersion);
    const canary = page.getByRole('region', { name: 'canary' });
    await expect(canary).toContainText(`Version ${chaosVersion} at 20%`);
    await expect(canary).toContainText('rolled back', { timeout: 300_000 });
    await expect(canary.getByRole('alert')).toContainText('Failing');
    const analysis = canary.getByRole('table', { name: 'canary analysis' });
    await expect(analysis).toContainText('Error rate');
    await expect(
      analysis.getByRole('row', { name: /Error rate/ }),
    ).toContainText(/\d+(\.\d+)?%/);
    await expect(traffic).toContainText('v1 stable');
    await expect(traffic).not.toContainText('canary');
    await expect(traffic).toContainText('100%');
    await expect(page.getByRole('table', { name: 'events' })).toContainText(
      'canary.rolled_back',
    );
    // The failed canary was never stable: there is no earlier version to roll back to.
    await expect(
      page.getByRole('button', { name: /Roll back to v/ }),
    ).toBeHidden();
    await saveScreenshot(page, 'deployments-canary-rolled-back.png');

    // A good version as a canary passes the analysis and takes all traffic.
    const goodVersion = await registerVersion(
      request,
      model,
      source.experimentId,
      source.model,
    );
    await page.reload();
    await deployCanary(page, goodVersion);
    await expect(canary).toContainText(`Version ${goodVersion} at 20%`);
    await expect(canary).toContainText('promoted', { timeout: 300_000 });
    await expect(traffic).toContainText(`v${goodVersion} stable`);
    await expect(traffic).not.toContainText('canary');
    await expect(page.getByRole('table', { name: 'events' })).toContainText(
      'canary.promoted',
    );
    await expect(
      page.getByRole('button', { name: 'Roll back to v1' }),
    ).toBeVisible();
    await saveScreenshot(page, 'deployments-canary-promoted.png');

    // The Deployments tab lists the endpoint with the router's numbers.
    await page.goto('/ml/deployments');
    const row = page.getByRole('row', { name: new RegExp(endpoint) });
    await expect(row).toContainText(`v${goodVersion} 100%`);
    await expect(row).toContainText(/\d+(\.\d+)?\/min/);
    await saveScreenshot(page, 'deployments-list.png');

    // The model's pipeline card names the endpoint and what it serves.
    await page.goto(`/ml/models/${model}`);
    await expect(
      page.getByRole('link', { name: endpoint }).first(),
    ).toBeVisible();
    await saveScreenshot(page, 'deployments-model-pipeline.png');
  } finally {
    await trickle.stop();
  }
  expect(trickle.counts.ok).toBeGreaterThan(100);

  expect(pageErrors).toEqual([]);
});
