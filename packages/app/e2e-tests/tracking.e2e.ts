import { expect, test } from '@playwright/test';
import { saveScreenshot, signIn, waitForDemoExperiment } from './support';

test('runs seeded by real training can be filtered and compared', async ({
  page,
  request,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', error => pageErrors.push(error.message));

  // `npm start` seeds the demo by running examples/training; wait for its experiment.
  await waitForDemoExperiment(request);
  await signIn(page);
  await page.getByRole('link', { name: 'ML Platform' }).first().click();
  await page.getByRole('tab', { name: 'Experiments' }).click();
  await page.getByRole('link', { name: 'demo/churn-logreg' }).click();

  const runsTable = page.getByRole('table', { name: 'runs' });
  const runLinks = runsTable.getByRole('link');
  const filter = page.getByLabel('Filter runs');
  // The demo's two training jobs log runs here too (600 epochs); the six grid runs are
  // the rest. A filter in MLflow's grammar narrows the runs on the server.
  const gridRuns = "params.epochs != '600'";
  await expect(async () => {
    await filter.fill(gridRuns);
    await filter.press('Enter');
    await expect(runLinks).toHaveCount(6, { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });

  await filter.fill(`params.lr = '0.3' and ${gridRuns}`);
  await filter.press('Enter');
  await expect(runLinks).toHaveCount(2);

  // A bad filter is explained inline, with the server's message.
  await filter.fill('metrics.val_auc >> 1');
  await filter.press('Enter');
  await expect(page.getByText(/Invalid|Expected/).first()).toBeVisible();

  await filter.fill(gridRuns);
  await filter.press('Enter');
  await expect(runLinks).toHaveCount(6);
  const boxes = runsTable.getByRole('checkbox');
  await boxes.nth(1).check();
  await boxes.nth(2).check();
  await page.getByRole('button', { name: /Compare \(2\)/ }).click();

  await expect(page.getByText('Metrics over time')).toBeVisible();
  await expect(page.getByText('val_auc').first()).toBeVisible();
  // recharts draws one path per run in each chart.
  await expect(page.locator('.recharts-line').first()).toBeVisible();
  await saveScreenshot(page, 'compare-runs.png');

  expect(pageErrors).toEqual([]);
});
