import { expect, test } from '@playwright/test';
import {
  BACKEND,
  guestToken,
  saveScreenshot,
  signIn,
  waitForBackend,
} from './support';

const ENDPOINT = 'churn-classifier-staging';
const API = `${BACKEND}/api/ml`;

/** Rows of the demo model's eight features, f0 moved by `shift` standard deviations. */
function rows(count: number, shift: number) {
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const gaussian = () =>
    Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, () =>
    Array.from({ length: 8 }, (_, j) =>
      Number((gaussian() + (j === 0 ? shift : 0)).toFixed(4)),
    ),
  );
}

test('a drifting feature opens an alert on the endpoint page', async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  // The demo's staging endpoint, serving a version trained with a feature profile.
  await waitForBackend<{ baseline: { found: boolean } }>(
    request,
    `/ml/monitoring/endpoints/${ENDPOINT}`,
    m => m.baseline.found,
    420_000,
  );
  const headers = async () => ({
    Authorization: `Bearer ${await guestToken(request)}`,
  });
  // Short windows so the test judges one in seconds, not the demo's two minutes.
  const settings = await request.put(
    `${API}/monitoring/endpoints/${ENDPOINT}/settings`,
    {
      headers: await headers(),
      data: {
        drift: {
          enabled: true,
          sampleRate: 1,
          windowMinutes: 0.1,
          minSamples: 100,
          thresholds: {},
        },
        slo: { p95Ms: 250, errorRate: 0.05, windowMinutes: 5 },
      },
    },
  );
  expect(settings.status()).toBe(200);
  // Live data as a remote endpoint would post it: f0 three standard deviations off.
  const posted = await request.post(
    `${API}/monitoring/endpoints/${ENDPOINT}/samples`,
    {
      headers: await headers(),
      data: {
        inputs: {
          dataframe_split: {
            columns: Array.from({ length: 8 }, (_, j) => `f${j}`),
            data: rows(400, 3),
          },
        },
      },
    },
  );
  expect(posted.status()).toBe(202);
  // What the page will draw: the latest judged window has f0 drifted, and its alert.
  await waitForBackend<{
    alerts: Array<{ kind: string; subject: string }>;
    drift?: { features: Array<{ feature: string; status: string }> };
  }>(
    request,
    `/ml/monitoring/endpoints/${ENDPOINT}`,
    m =>
      m.alerts.some(a => a.kind === 'drift' && a.subject === 'f0') &&
      Boolean(
        m.drift?.features.some(f => f.feature === 'f0' && f.status === 'alert'),
      ),
    120_000,
  );

  await signIn(page);
  await page.goto(`/ml/deployments/${ENDPOINT}`);
  const drift = page.getByRole('table', { name: 'drift per feature' });
  await expect(drift).toContainText('f0');
  await expect(drift).toContainText('alert');
  await expect(page.getByRole('table', { name: 'alerts' })).toContainText(
    /feature f0 drifted: PSI/,
  );
  await drift.scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'monitoring-drift.png');

  // The Overview lists the endpoint among those needing attention.
  await page.goto('/ml');
  await expect(
    page.getByRole('link', { name: ENDPOINT }).first(),
  ).toBeVisible();
});
