import { expect, test } from '@playwright/test';
import { saveScreenshot, signIn, waitForBackend } from './support';

/**
 * The platform team's golden path as a data scientist meets it: Create lists the ML
 * templates, "New training project" makes the experiment, publishes the skeleton and
 * submits its first job, and its output links land on them.
 */
test('a new training project from the Create page lands on its experiment and first job', async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  // The catalog has read the templates' location.
  await waitForBackend<{ items?: unknown[] } | unknown[]>(
    request,
    '/catalog/entities/by-name/template/default/ml-training-project',
    () => true,
    300_000,
  );
  await signIn(page);
  await page.goto('/create');
  await expect(page.getByText('New training project')).toBeVisible();
  await expect(page.getByText('Deploy a model')).toBeVisible();
  await expect(page.getByText('Onboard a team')).toBeVisible();
  await saveScreenshot(page, 'golden-paths-create.png');

  const name = `churn-gp-${Date.now().toString(36)}`;
  await page
    .locator('[class*="MuiCard-root"]')
    .filter({ hasText: 'New training project' })
    .getByRole('button', { name: 'Choose' })
    .click();
  await page.getByLabel('Name').fill(name);
  // The owner picker lists groups by title.
  const owner = page.getByRole('textbox', { name: 'Owner' });
  await owner.click();
  await owner.fill('ML');
  await page.getByRole('option', { name: 'ML Platform' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByLabel('Training profile')).toHaveValue('local-small');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task runs its steps; its output links to what it made (in new windows). The
  // names are anchored: the task log, when shown, turns the URLs it prints into links too.
  const experimentLink = page.getByRole('link', { name: /^Experiment\b/ });
  const jobLink = page.getByRole('link', { name: /^First training job\b/ });
  await expect(experimentLink).toBeVisible({ timeout: 300_000 });
  await expect(jobLink).toBeVisible();
  await saveScreenshot(page, 'golden-paths-task.png');
  const experimentUrl = await experimentLink.getAttribute('href');
  const jobUrl = await jobLink.getAttribute('href');

  await page.goto(experimentUrl!);
  await expect(page.getByText(`ml-platform/${name}`).first()).toBeVisible();
  await page.goto(jobUrl!);
  await expect(page.getByText(`${name}-first`).first()).toBeVisible();
  // The job was submitted on the chosen profile, whose version it records.
  await expect(page.getByText(/local-small v\d+/).first()).toBeVisible();

  // The demo model's production-readiness scorecard: each check with its fact.
  await page.goto('/ml/models/churn-classifier');
  const checks = page.getByRole('table', { name: 'readiness checks' });
  await expect(checks).toContainText('Evaluation gates');
  await expect(checks).toContainText('Deployed with monitoring');
  await checks.scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'readiness-scorecard.png');
  await page.goto('/ml/readiness');
  await expect(
    page.getByRole('table', { name: "models' readiness" }),
  ).toContainText('churn-classifier');
});
