import { expect, Page, test } from '@playwright/test';
import path from 'node:path';

const saveScreenshot = (page: Page, name: string) =>
  page.screenshot({
    path: path.join(__dirname, '../../../test-results/screenshots', name),
    fullPage: true,
  });

test('the ML Platform page renders with the Backstage theme and live status', async ({
  page,
}) => {
  // Waits for the demo's training jobs to end and be metered.
  test.setTimeout(300_000);
  const pageErrors: string[] = [];
  page.on('pageerror', error => pageErrors.push(error.message));

  await page.goto('/');
  // The guest sign-in page comes first.
  await page.getByRole('button', { name: 'Enter' }).click();

  await page.getByRole('link', { name: 'ML Platform' }).first().click();
  await expect(page).toHaveURL(/\/ml/);
  await expect(
    page.getByRole('heading', { name: 'ML Platform' }),
  ).toBeVisible();
  for (const tab of [
    'Overview',
    'Experiments',
    'Models',
    'Features',
    'Training',
    'Deployments',
    'Cost',
  ]) {
    await expect(page.getByRole('tab', { name: tab })).toBeVisible();
  }
  // Live data from /api/ml/health, not a placeholder.
  await expect(page.getByText('Platform status')).toBeVisible();
  await expect(
    page.getByText('better-sqlite3', { exact: false }),
  ).toBeVisible();

  await saveScreenshot(page, 'ml-platform-overview.png');

  // The demo's training jobs are metered when they end: real spend, budgets from config.
  await page.getByRole('tab', { name: 'Cost' }).click();
  await expect(page.getByRole('table', { name: 'budgets' })).toBeVisible();
  // The page loads once; open it again until the first demo job has been metered.
  await expect(async () => {
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByRole('tab', { name: 'Cost' }).click();
    await expect(page.getByText('Spend per month')).toBeVisible({
      timeout: 5_000,
    });
  }).toPass({ timeout: 180_000 });
  await saveScreenshot(page, 'ml-platform-cost.png');

  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(page.getByText('No registered models yet')).toBeVisible();

  // Several Material UI copies crash here with "theme.spacing is not a function".
  expect(pageErrors).toEqual([]);
});
