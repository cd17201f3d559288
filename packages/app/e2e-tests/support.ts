import { APIRequestContext, expect, Page } from '@playwright/test';
import path from 'node:path';

/** The backend's own address: the API and the serving router answer there. */
export const BACKEND = 'http://localhost:7007';

/** Saves a full-page screenshot under test-results/screenshots (the README's come from there). */
export const saveScreenshot = (page: Page, name: string) =>
  page.screenshot({
    path: path.join(__dirname, '../../../test-results/screenshots', name),
    fullPage: true,
    // Finished transitions: a progress bar caught mid-animation shows the wrong share.
    animations: 'disabled',
  });

/** Opens the app and signs in as the guest (the sign-in page comes first). */
export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  // Signed in once the app's shell shows: a page opened before that is the sign-in page
  // again (CI saw /create answer with it).
  await expect(
    page.getByRole('link', { name: 'ML Platform' }).first(),
  ).toBeVisible();
}

/** A guest's Backstage token, as the app gets it, for asking the API what the demo has done. */
export async function guestToken(request: APIRequestContext): Promise<string> {
  const response = await request.get(`${BACKEND}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!response.ok()) throw new Error(`guest sign-in: ${response.status()}`);
  return (await response.json()).backstageIdentity.token;
}

/**
 * Waits until the backend has done what a page under test needs (a background import,
 * the demo's seeding, the catalog's refresh), by asking its API (`apiPath` under `/api`)
 * until it answers and `done` holds. Tests wait for that state, then load the page: how
 * soon it arrives depends on the machine, never on a delay. A backend that does not
 * answer yet (starting, restarting) is asked again.
 */
export async function waitForBackend<T>(
  request: APIRequestContext,
  apiPath: string,
  done: (body: T) => boolean,
  timeout = 180_000,
) {
  await expect
    .poll(
      async () => {
        try {
          const response = await request.get(`${BACKEND}/api${apiPath}`, {
            headers: { Authorization: `Bearer ${await guestToken(request)}` },
          });
          return response.ok() && done((await response.json()) as T);
        } catch {
          return false;
        }
      },
      { timeout, intervals: [500, 1_000, 2_000] },
    )
    .toBe(true);
}

/** Waits until the demo seeding has logged its first runs (examples/seed-demo.mts). */
export const waitForDemoExperiment = (request: APIRequestContext) =>
  waitForBackend<{ items: Array<{ name: string }> }>(
    request,
    '/ml/experiments',
    page => page.items.some(e => e.name === 'demo/churn-logreg'),
  );
