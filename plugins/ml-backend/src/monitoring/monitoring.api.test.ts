import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { prng } from '../__testUtils__/prng';
import { waitFor } from '../__testUtils__/waitFor';
import {
  OUTSIDER,
  SCIENTIST,
  startServingPortal,
  TEAM,
} from '../deployments/__testUtils__/servingPortal';
import { buildFeatureProfile } from './drift/profile';

const databases = createTestDatabases();

/** Training data: tenure in months, monthly charges in dollars. */
function customers(count: number, random: () => number, tenureShift = 0) {
  return Array.from({ length: count }, () => [
    Math.round(random() * 48) + tenureShift,
    20 + random() * 80,
  ]);
}

/**
 * Monitoring of a live endpoint on the local serving target: the router samples its
 * traffic, a window of shifted tenure opens a drift alert (and a notification to the
 * owner team only), a breached SLO another; outsiders change nothing.
 */
describe.each(databases.eachSupportedId())('monitoring on %p', databaseId => {
  it('samples live traffic, alerts the owners on drift and SLO breaches, and keeps outsiders out', async () => {
    const portal = await startServingPortal({
      database: await databases.init(databaseId),
      ml: { monitoring: { intervalSeconds: 0.3 } },
    });
    const { scientist } = portal;
    const random = prng(7);
    const training = customers(2000, random);
    const profile = buildFeatureProfile({
      tenure: training.map(r => r[0]),
      monthly_charges: training.map(r => r[1]),
    });
    const v1 = await portal.registerVersion('churn', {
      coefficients: [0.1, 0.01],
      files: { 'feature_profile.json': JSON.stringify(profile) },
    });
    expect(
      (
        await scientist.post('/deployments/endpoints', {
          name: 'churn-live',
          owner: TEAM,
          modelName: 'churn',
          version: v1.version,
          kind: 'real-time',
          target: 'local',
        })
      ).status,
    ).toBe(201);
    await portal.endpointWhen(
      'churn-live',
      e =>
        e.status === 'READY' &&
        e.deployments.every((d: any) => d.state === 'ready'),
    );

    const settings = await scientist.putJson(
      '/monitoring/endpoints/churn-live/settings',
      {
        drift: {
          enabled: true,
          sampleRate: 1,
          windowMinutes: 0.05,
          minSamples: 100,
          thresholds: {},
        },
        slo: { p95Ms: 0.1, windowMinutes: 5 },
        retraining: { profile: 'local-small' },
      },
    );
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      baseline: { found: true, version: '1' },
      settings: { drift: { thresholds: { psiAlert: 0.25 } } },
    });
    const outsider = portal.as(OUTSIDER);
    expect(
      (
        await outsider.putJson('/monitoring/endpoints/churn-live/settings', {
          drift: settings.body.settings.drift,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await request(portal.server)
          .post('/api/ml/monitoring/endpoints/churn-live/settings')
          .set('Authorization', mockCredentials.user.header(SCIENTIST))
          .send({})
      ).status,
    ).toBe(404);
    expect(
      (
        await scientist.putJson('/monitoring/endpoints/churn-live/settings', {
          drift: { ...settings.body.settings.drift, sampleRate: 2 },
        })
      ).status,
    ).toBe(400);

    // Live customers stay three years longer than the training data's.
    const drifted = await waitFor(
      'a drift alert on tenure and a breached latency SLO',
      async () => {
        await request(portal.server)
          .post('/api/ml/serving/churn-live/invocations')
          .set('Authorization', mockCredentials.user.header(SCIENTIST))
          .send({
            dataframe_split: {
              columns: ['tenure', 'monthly_charges'],
              data: customers(40, random, 36),
            },
          });
        return (await scientist.get('/monitoring/endpoints/churn-live')).body;
      },
      m =>
        ['drift', 'slo'].every(kind =>
          m.alerts.some((a: any) => a.kind === kind && a.status === 'open'),
        ),
      60_000,
    );
    const tenure = drifted.drift.features.find(
      (f: any) => f.feature === 'tenure',
    );
    expect(tenure).toMatchObject({ kind: 'numeric', status: 'alert' });
    expect(tenure.psi).toBeGreaterThan(0.25);
    expect(tenure.ks.pValue).toBeLessThan(0.01);
    const charges = drifted.drift.features.find(
      (f: any) => f.feature === 'monthly_charges',
    );
    expect(charges.status).toBe('ok');
    expect(drifted.alerts).toContainEqual(
      expect.objectContaining({ kind: 'slo', subject: 'p95', status: 'open' }),
    );
    const driftAlert = drifted.alerts.find((a: any) => a.kind === 'drift');
    expect(driftAlert).toMatchObject({ subject: 'tenure', version: '1' });
    // The version was registered from a run no portal job created: nothing to train
    // again, and the alert says so.
    const retried = await waitFor(
      'the retraining outcome',
      async () =>
        (
          await scientist.get('/monitoring/endpoints/churn-live')
        ).body,
      m =>
        m.alerts.some((a: any) => a.id === driftAlert.id && a.retrainingError),
    );
    expect(
      retried.alerts.find((a: any) => a.id === driftAlert.id).retrainingError,
    ).toMatch(/was not trained by a portal job/);

    // Both are on the endpoint's timeline.
    const timeline = (await scientist.get('/deployments/endpoints/churn-live'))
      .body.events;
    expect(timeline.map((e: any) => e.kind)).toEqual(
      expect.arrayContaining(['monitoring.drift', 'monitoring.slo_breach']),
    );

    // The owner team hears of both (sent once each alert is recorded); nobody else does.
    const sent = await waitFor(
      'both alerts notified',
      async () =>
        portal.notifications.filter(n => /churn-live/.test(n.payload.title)),
      list => list.length >= 2,
    );
    expect(sent.map(n => n.payload.title)).toEqual(
      expect.arrayContaining([
        'Drift on churn-live: tenure',
        'SLO breached on churn-live: p95',
      ]),
    );
    for (const n of sent) {
      expect(n.recipients).toEqual({ type: 'entity', entityRef: TEAM });
    }

    // This portal lets teams read each other's work; changes stay the owners'.
    expect(
      (await outsider.post(`/monitoring/alerts/${driftAlert.id}/close`, {}))
        .status,
    ).toBe(403);
    const overview = await scientist.get('/monitoring/overview');
    expect(overview.body.endpoints).toEqual([
      expect.objectContaining({ endpoint: 'churn-live', status: 'breach' }),
    ]);

    // Charts beyond a day read the hourly rollups.
    const month = await scientist.get(
      '/deployments/endpoints/churn-live/metrics?minutes=43200',
    );
    expect(month.body.stepMinutes).toBe(60);
    expect(month.body.versions[0].points[0]).toMatchObject({
      requests: expect.any(Number),
      clientErrors: 0,
      bytesIn: expect.any(Number),
    });
    expect(month.body.versions[0].points[0].bytesIn).toBeGreaterThan(0);
    // The local target runs one server for the version.
    expect(month.body.versions[0].points.map((p: any) => p.replicas)).toContain(
      1,
    );

    const closed = await scientist.post(
      `/monitoring/alerts/${driftAlert.id}/close`,
      {},
    );
    expect(closed.body).toMatchObject({
      status: 'closed',
      closedBy: SCIENTIST,
    });
    await portal.stop();
  });
});
