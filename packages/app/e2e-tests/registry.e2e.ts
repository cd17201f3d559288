import { expect, test } from '@playwright/test';
import {
  saveScreenshot,
  signIn,
  waitForBackend,
  waitForDemoExperiment,
} from './support';

test('a run is registered, promoted to production on approval, and its lineage drawn', async ({
  page,
  request,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', error => pageErrors.push(error.message));
  const model = `churn-e2e-${Date.now().toString(36)}`;

  // A run of the demo's seeded training, which logged its dataset as an input.
  await waitForDemoExperiment(request);
  await signIn(page);
  await page.getByRole('link', { name: 'ML Platform' }).first().click();
  await page.getByRole('tab', { name: 'Experiments' }).click();
  await page.getByRole('link', { name: 'demo/churn-logreg' }).click();
  // A grid run, which logged its dataset: the demo's training jobs (600 epochs) log runs
  // here too, and whether they come first depends on when they were submitted.
  const filter = page.getByLabel('Filter runs');
  await filter.fill("params.epochs != '600'");
  await filter.press('Enter');
  const gridRun = page
    .getByRole('table', { name: 'runs' })
    .getByRole('link')
    .first();
  await expect(page.getByRole('table', { name: 'runs' })).not.toContainText(
    /churn-nightly|churn-sweep/,
  );
  await gridRun.click();

  await page.getByRole('button', { name: 'Register model' }).click();
  await page.getByLabel('Model name').fill(model);
  await page.getByRole('button', { name: 'Register', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/ml/models/${model}/versions/1$`));

  // The new version's lineage: the dataset the run read → the run → this version.
  const graph = page.getByRole('figure', { name: 'lineage graph' });
  await expect(graph.getByText(/synthetic-churn/).first()).toBeVisible();
  await expect(graph.getByText(`${model} v1`).first()).toBeVisible();
  await saveScreenshot(page, 'ml-model-version-lineage.png');

  // Production is protected: the move is a request until the owner approves it.
  await page.goto(`/ml/models/${model}`);
  await page.getByRole('button', { name: 'Request promotion' }).click();
  await page.getByLabel('Alias').fill('production');
  await page.getByLabel('Reason').fill('Best validation AUC of the sweep');
  await page.getByRole('button', { name: 'Request approval' }).click();

  const pending = page.getByRole('region', {
    name: 'request production to version 1',
  });
  await expect(pending).toBeVisible();
  // The gate in app-config.yaml (val_auc >= 0.7) is checked on the run's metrics.
  await expect(pending.getByLabel('passed').first()).toBeVisible();
  await pending.getByRole('button', { name: 'Approve' }).click();
  await page.getByLabel('Comment').fill('Looks good');
  await page
    .getByRole('dialog')
    .getByRole('button', { name: 'Approve' })
    .click();
  await expect(pending).toBeHidden();

  await expect(
    page.getByRole('table', { name: 'decided promotion requests' }),
  ).toContainText('approved');
  const audit = page.getByText('promotion.approved');
  await expect(audit.first()).toBeVisible();
  await saveScreenshot(page, 'ml-model-approved.png');

  // The catalog module publishes the model as a Resource owned by its team, depending
  // on the dataset it was trained on; its page carries the ML card.
  await waitForBackend(
    request,
    `/catalog/entities/by-name/resource/default/model-${model}`,
    () => true,
  );
  await page.goto(`/catalog/default/resource/model-${model}`);
  await expect(page.getByText('ml-model').first()).toBeVisible();
  // The Relations card's graph names each node in an SVG title.
  await expect(
    page
      .locator('title', { hasText: 'resource:default/dataset-synthetic-churn' })
      .first(),
  ).toBeAttached();
  await expect(page.getByText('production').first()).toBeVisible();
  await saveScreenshot(page, 'ml-model-catalog-entity.png');

  // Search indexes the catalog, ML assets included: a Feast view imported at start-up.
  await waitForBackend<{ results: Array<{ document: { title: string } }> }>(
    request,
    '/search/query?term=driver_hourly_stats',
    body =>
      body.results.some(r => r.document.title.includes('driver_hourly_stats')),
  );
  await page.goto('/search?query=driver_hourly_stats');
  await expect(
    page.getByRole('link', { name: /driver_hourly_stats/ }).first(),
  ).toBeVisible();
  await saveScreenshot(page, 'ml-search.png');

  // The demo seeding finished: it registers churn-classifier after all its training runs
  // and asks for production, which waits on the Overview for an approver.
  await waitForBackend<Array<{ modelName: string }>>(
    request,
    '/ml/promotions?status=PENDING',
    requests => requests.some(r => r.modelName === 'churn-classifier'),
  );
  await page.goto('/ml/overview');
  await expect(
    page
      .getByRole('table', { name: 'promotions awaiting approval' })
      .getByRole('link', { name: 'churn-classifier' }),
  ).toBeVisible();
  await saveScreenshot(page, 'ml-platform-overview-approvals.png');

  expect(pageErrors).toEqual([]);
});
