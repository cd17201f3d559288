import { expect, test } from '@playwright/test';
import path from 'node:path';

test('the ML Platform page renders with the Backstage theme and live status', async ({
  page,
}) => {
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

  await page.screenshot({
    path: path.join(
      __dirname,
      '..',
      '..',
      '..',
      'test-results',
      'screenshots',
      'ml-platform-overview.png',
    ),
  });

  await page.getByRole('tab', { name: 'Models' }).click();
  await expect(page.getByText('No registered models yet')).toBeVisible();

  // Several Material UI copies crash here with "theme.spacing is not a function".
  expect(pageErrors).toEqual([]);
});
