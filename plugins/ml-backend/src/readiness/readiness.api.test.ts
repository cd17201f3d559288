import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ML_READINESS_ANNOTATION } from '@ml-portal/plugin-ml-common';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  OUTSIDER,
  startServingPortal,
  TEAM,
} from '../deployments/__testUtils__/servingPortal';
import { writeTestModel } from '../deployments/local/__testUtils__/testModel';
import { buildFeatureProfile } from '../monitoring/drift/profile';

const databases = createTestDatabases();

const FEATURES = ['tenure', 'monthly_charges'];

/** The checks of a scorecard as `id → status`. */
function statuses(body: { checks: Array<{ id: string; status: string }> }) {
  return Object.fromEntries(body.checks.map(c => [c.id, c.status]));
}

function checkOf(body: { checks: any[] }, id: string) {
  return body.checks.find(c => c.id === id);
}

/**
 * The scorecard on facts made through the API: a model registered from a bare run
 * fails what it lacks; one trained by a spot job with checkpoints on a dataset that
 * declares its residency, gated, deployed with drift monitoring, a retraining profile
 * and a budget passes every check but the local artifact store's.
 */
describe.each(databases.eachSupportedId())('readiness on %p', databaseId => {
  it('fails a bare model on each check with the fact why, and shows it only to readers', async () => {
    const portal = await startServingPortal({
      database: await databases.init(databaseId),
      ml: { permissions: { readAcrossTeams: false } },
    });
    try {
      const { scientist } = portal;
      await portal.registerVersion('bare', { coefficients: [0.1, 0.01] });

      const card = await scientist.get('/readiness/models/bare');
      expect(card.status).toBe(200);
      expect(card.body).toMatchObject({
        name: 'bare',
        owner: TEAM,
        version: '1',
        inProduction: false,
        passed: 0,
        total: 10,
      });
      expect(statuses(card.body)).toEqual({
        'workload-class': 'fail',
        'data-residency': 'unknown',
        'artifact-storage': 'fail',
        'spot-checkpointing': 'unknown',
        tracking: 'fail',
        lineage: 'fail',
        'evaluation-gates': 'fail',
        monitoring: 'fail',
        retraining: 'fail',
        cost: 'fail',
      });
      expect(checkOf(card.body, 'tracking').fact).toMatch(
        /logged 0 params and 0 metrics/,
      );
      expect(checkOf(card.body, 'artifact-storage').fact).toMatch(
        /local artifact directory/,
      );
      expect(checkOf(card.body, 'monitoring')).toMatchObject({
        fact: 'No endpoint serves the model',
        fixUrl: 'deployments/pipelines/bare',
      });
      expect(checkOf(card.body, 'cost')).toMatchObject({
        fact: `${TEAM} has no budget`,
        fixUrl: `cost?team=${encodeURIComponent(TEAM)}`,
      });
      expect(checkOf(card.body, 'evaluation-gates').fact).toBe(
        'No metric gate guards the production alias',
      );

      const overview = await scientist.get('/readiness');
      expect(overview.status).toBe(200);
      expect(overview.body.models.map((m: any) => [m.name, m.passed])).toEqual([
        ['bare', 0],
      ]);

      // Another team reads neither the model nor its scorecard.
      const outsider = portal.as(OUTSIDER);
      expect((await outsider.get('/readiness/models/bare')).status).toBe(403);
      expect((await outsider.get('/readiness')).body).toEqual({ models: [] });
      expect((await scientist.get('/readiness/models/nope')).status).toBe(404);
    } finally {
      await portal.stop();
    }
  });

  it('passes a trained, gated, monitored model within budget on each check', async () => {
    const portal = await startServingPortal({
      database: await databases.init(databaseId),
      ml: {
        training: { local: { allowedGroups: [TEAM] } },
        cost: { budgets: [{ team: TEAM, monthlyUsd: 500 }] },
      },
    });
    try {
      const { scientist } = portal;
      const dataset = await scientist.post('/datasets', {
        name: 'customers',
        source: 's3://churn/customers-2026-11.parquet',
        residency: 'eu',
      });
      expect(dataset.status).toBe(201);
      const submitted = await scientist.post('/training/jobs', {
        name: 'churn-train',
        pool: 'local-cpu',
        command: ['true'],
        spotAllowed: true,
        checkpoint: { intervalSeconds: 600 },
        compliance: ['gdpr'],
        inputs: { datasets: ['customers'] },
      });
      expect(submitted.status).toBe(201);
      const { runId, experimentId } = submitted.body;

      // The run logs what the training script would: params, metrics, the model.
      expect(
        (
          await scientist.mlflow('runs/log-batch', {
            run_id: runId,
            params: [{ key: 'C', value: '1.0' }],
            metrics: [{ key: 'accuracy', value: 0.91, timestamp: 1, step: 0 }],
          })
        ).status,
      ).toBe(200);
      const { dir } = await writeTestModel({
        featureNames: FEATURES,
        coefficients: [0.1, 0.01],
        intercept: 0.1,
      });
      await writeFile(
        join(dir, 'feature_profile.json'),
        JSON.stringify(
          buildFeatureProfile({
            tenure: [1, 5, 12, 24, 36, 48],
            monthly_charges: [20, 35, 50, 65, 80, 95],
          }),
        ),
      );
      for (const file of await readdir(dir)) {
        expect(
          (
            await scientist.put(
              `/mlflow/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/${file}`,
              await readFile(join(dir, file)),
            )
          ).status,
        ).toBe(200);
      }
      expect(
        (
          await scientist.post('/models', {
            name: 'churn',
            tags: [
              { key: 'mlplatform.workload-class', value: 'real-time' },
              { key: 'mlplatform.gate.accuracy', value: '>=0.85' },
            ],
          })
        ).status,
      ).toBe(201);
      const registered = await scientist.post('/models/churn/versions', {
        runId,
      });
      expect(registered.status).toBe(201);

      // Before it is deployed: the data, the run and the gates already pass.
      const before = await scientist.get('/readiness/models/churn');
      expect(statuses(before.body)).toMatchObject({
        'workload-class': 'pass',
        'data-residency': 'pass',
        'spot-checkpointing': 'pass',
        tracking: 'pass',
        lineage: 'pass',
        'evaluation-gates': 'pass',
        monitoring: 'fail',
        retraining: 'fail',
        cost: 'pass',
      });

      expect(
        (
          await scientist.post('/deployments/endpoints', {
            name: 'churn-live',
            owner: TEAM,
            modelName: 'churn',
            version: registered.body.version,
            kind: 'real-time',
            target: 'local',
          })
        ).status,
      ).toBe(201);
      await portal.endpointWhen('churn-live', e => e.status === 'READY');
      const drift = {
        enabled: true,
        sampleRate: 0.5,
        windowMinutes: 10,
        minSamples: 100,
        thresholds: { psiAlert: 0.3 },
      };
      expect(
        (
          await scientist.putJson('/monitoring/endpoints/churn-live/settings', {
            drift,
            retraining: { profile: 'local-small' },
          })
        ).status,
      ).toBe(200);

      const card = await scientist.get('/readiness/models/churn');
      expect(card.status).toBe(200);
      expect(card.body).toMatchObject({
        version: '1',
        inProduction: true,
        passed: 9,
        total: 10,
      });
      expect(statuses(card.body)).toEqual({
        'workload-class': 'pass',
        'data-residency': 'pass',
        // The test portal keeps artifacts in a local directory.
        'artifact-storage': 'fail',
        'spot-checkpointing': 'pass',
        tracking: 'pass',
        lineage: 'pass',
        'evaluation-gates': 'pass',
        monitoring: 'pass',
        retraining: 'pass',
        cost: 'pass',
      });
      expect(checkOf(card.body, 'workload-class').fact).toBe(
        'Declared real-time; served by churn-live (real-time)',
      );
      expect(checkOf(card.body, 'data-residency').fact).toBe(
        'customers (eu); its training job declares compliance gdpr',
      );
      expect(checkOf(card.body, 'spot-checkpointing')).toMatchObject({
        fact: 'Job churn-train may run on spot and checkpoints every 600 s',
        fixUrl: `training/jobs/${submitted.body.jobId}`,
      });
      expect(checkOf(card.body, 'tracking').fact).toMatch(
        /logged 1 param and 1 metric$/,
      );
      expect(checkOf(card.body, 'lineage').fact).toBe(
        `version 1 ← run ${runId} ← dataset customers`,
      );
      expect(checkOf(card.body, 'evaluation-gates').fact).toBe(
        'production requires accuracy >= 0.85 (version 1: 0.91)',
      );
      expect(checkOf(card.body, 'monitoring')).toMatchObject({
        fact: 'churn-live samples 50% for drift (PSI alert 0.3)',
        fixUrl: 'deployments/churn-live',
      });
      expect(checkOf(card.body, 'retraining').fact).toBe(
        'A drift alert retrains job churn-train from churn-live on profile local-small',
      );
      expect(checkOf(card.body, 'cost').fact).toMatch(
        new RegExp(`^${TEAM} has spent \\$0\\.00 of its \\$500\\.00 budget`),
      );

      // Sampling off: the endpoint no longer watches for drift.
      await scientist.putJson('/monitoring/endpoints/churn-live/settings', {
        drift: { ...drift, sampleRate: 0 },
      });
      const unwatched = await scientist.get('/readiness/models/churn');
      expect(checkOf(unwatched.body, 'monitoring')).toMatchObject({
        status: 'fail',
        fact: 'churn-live samples no traffic for drift',
      });
      expect(checkOf(unwatched.body, 'retraining')).toMatchObject({
        status: 'fail',
        fact: 'churn-live sets no retraining profile',
      });

      // The catalog publishes the score on the model's entity.
      const assets = await scientist.get('/catalog/assets');
      const model = assets.body.assets.find(
        (a: any) => a.type === 'ml-model' && a.title === 'churn',
      );
      expect(model.annotations[ML_READINESS_ANNOTATION]).toBe('7/10');
    } finally {
      await portal.stop();
    }
  });
});
