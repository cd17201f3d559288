import { expect, test } from '@playwright/test';
import { saveScreenshot, signIn, waitForBackend } from './support';

test('the ML Platform page renders with the Backstage theme and live status', async ({
  page,
  request,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', error => pageErrors.push(error.message));

  await signIn(page);

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
    'Readiness',
  ]) {
    await expect(page.getByRole('tab', { name: tab })).toBeVisible();
  }
  // Live data from /api/ml/health, not a placeholder.
  await expect(page.getByText('Platform status')).toBeVisible();
  await expect(
    page.getByText('better-sqlite3', { exact: false }),
  ).toBeVisible();

  await saveScreenshot(page, 'ml-platform-overview.png');

  // Budgets come from config, prices from the price book: the page renders them
  // whether or not the demo's jobs have been metered yet.
  await page.getByRole('tab', { name: 'Cost' }).click();
  await expect(page.getByRole('table', { name: 'budgets' })).toBeVisible();
  // The guest is in ML Platform: it sees its own team's budget, not other teams'.
  await expect(
    page
      .getByText('group:default/ml-platform')
      .or(page.getByRole('link', { name: 'ml-platform' }))
      .first(),
  ).toBeVisible();
  await expect(
    page.getByRole('region', { name: 'build vs buy result' }),
  ).toBeVisible();
  await saveScreenshot(page, 'ml-platform-cost.png');
  // As a platform member it changes its own team's budget (the one it may read the
  // spend of), from the demo's $5 to $6.
  const budgets = page.getByRole('table', { name: 'budgets' });
  const ownBudget = budgets.getByRole('row').filter({ hasText: 'ml-platform' });
  await ownBudget.getByRole('button', { name: 'Edit' }).click();
  const budgetDialog = page.getByRole('dialog');
  await expect(budgetDialog.getByLabel('Monthly budget (USD)')).toHaveValue(
    '5',
  );
  await budgetDialog.getByLabel('Monthly budget (USD)').fill('6');
  await budgetDialog.getByRole('button', { name: 'Save' }).click();
  await expect(budgetDialog).toBeHidden();
  await expect(ownBudget).toContainText('$6.00');

  // The guest is on the platform team: it sets a team's GPU quotas from the Training
  // page (none of the demo's teams, and nothing guaranteed, so the demo's jobs run as before).
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.getByRole('button', { name: "Set a team's quotas" }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Team').fill('e2e-quota-team');
  await dialog.getByLabel('local-cpu: guaranteed GPUs').fill('0');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const quotas = page.getByRole('table', { name: 'team quotas' });
  const row = quotas.getByRole('row').filter({ hasText: 'e2e-quota-team' });
  await expect(row).toContainText('local-cpu: 0 GPUs');
  await expect(row).toContainText('by user:default/guest');
  await quotas.scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'training-quotas.png');

  // The demo's model is registered once its training runs finish: either state is fine.
  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(
    page
      .getByText('Registered models')
      .or(page.getByText('No registered models yet'))
      .first(),
  ).toBeVisible();

  // The Feast registry in examples/feast is imported by a scheduled task after start
  // (ml.features.imports): wait for the import to land, then open the catalog.
  await waitForBackend<Array<{ name: string }>>(
    request,
    '/ml/features/views',
    views => views.some(view => view.name === 'driver_hourly_stats'),
  );
  await page.getByRole('tab', { name: 'Features' }).click();
  await expect(
    page.getByRole('link', { name: 'driver_hourly_stats' }),
  ).toBeVisible();
  await expect(page.getByText(/^stale/).first()).toBeVisible();
  await saveScreenshot(page, 'ml-features.png');
  await page.getByRole('link', { name: 'driver_hourly_stats' }).click();
  await expect(page.getByText('conv_rate').first()).toBeVisible();
  await saveScreenshot(page, 'ml-feature-view.png');

  // Several Material UI copies crash here with "theme.spacing is not a function".
  expect(pageErrors).toEqual([]);
});
