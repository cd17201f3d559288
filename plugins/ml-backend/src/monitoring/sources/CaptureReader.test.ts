import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { MonitoringSettings } from '@ml-portal/plugin-ml-common';
import { SageMakerServingTarget } from '@ml-portal/plugin-ml-backend-module-sagemaker';
import { startFakeS3Server } from '@ml-portal/plugin-ml-node/testUtils';
import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/databases';
import { waitFor } from '../../__testUtils__/waitFor';
import { RedisConnection } from '../../redis/RedisConnection';
import { DatabaseMonitoringStore } from '../DatabaseMonitoringStore';
import { CaptureCursors } from './CaptureCursors';
import { CaptureReader, CaptureReaderOptions } from './CaptureReader';
import { CaptureReads } from './startCaptureReads';
import { scrapedStore } from './__testUtils__/scrapedPortal';

const databases = createTestDatabases();
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;
/** 16:30 on 2026-12-04: the 16:00-17:00 drift window's middle. */
const NOW = Date.UTC(2026, 11, 4, 16, 30);
const WINDOW = Date.UTC(2026, 11, 4, 16);

const settings: MonitoringSettings = {
  drift: {
    enabled: true,
    sampleRate: 0.1,
    windowMinutes: 60,
    minSamples: 10,
    thresholds: { psiWarn: 0.1, psiAlert: 0.25, pValue: 0.01 },
  },
};

/** One line of a capture file, as SageMaker writes it. */
function captureLine(
  input: { data: string; encoding: string },
  output: { data: string; encoding: string },
) {
  const side = (mode: string, p: { data: string; encoding: string }) => ({
    observedContentType: p.encoding === 'CSV' ? 'text/csv' : 'application/json',
    mode,
    ...p,
  });
  return JSON.stringify({
    captureData: {
      endpointInput: side('INPUT', input),
      endpointOutput: side('OUTPUT', output),
    },
    eventMetadata: {
      eventId: randomUUID(),
      inferenceTime: '2026-12-04T16:05:00Z',
    },
    eventVersion: '0',
  });
}

const jsonCapture = (rows: Array<[number, string]>, predictions: number[]) =>
  captureLine(
    {
      data: JSON.stringify({
        dataframe_split: { columns: ['age', 'plan'], data: rows },
      }),
      encoding: 'JSON',
    },
    { data: JSON.stringify({ predictions }), encoding: 'JSON' },
  );
const csvCapture = (rows: Array<[number, string]>, predictions: number[]) =>
  captureLine(
    {
      data: ['age,plan', ...rows.map(r => r.join(','))].join('\n'),
      encoding: 'CSV',
    },
    { data: predictions.join('\n'), encoding: 'CSV' },
  );

describe.each(databases.eachSupportedId())(
  'capture reads on %p',
  databaseId => {
    let knex: Knex;
    let s3: Awaited<ReturnType<typeof startFakeS3Server>>;
    let target: SageMakerServingTarget;
    let monitoring: DatabaseMonitoringStore;
    let portal: Awaited<ReturnType<typeof scrapedStore>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      portal = await scrapedStore(knex);
      monitoring = new DatabaseMonitoringStore(knex);
      s3 = await startFakeS3Server();
      const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' };
      target = SageMakerServingTarget.create({
        settings: {
          region: 'us-east-1',
          executionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
          images: {},
          serverless: { memorySizeMb: 2048, maxConcurrency: 20 },
          batchInstanceType: 'ml.m5.large',
          dataCapture: {
            s3Uri: 's3://ml-capture/endpoints',
            samplingPercent: 100,
            csvHeader: true,
          },
        },
        s3: new S3Client({
          region: 'us-east-1',
          endpoint: s3.endpoint,
          forcePathStyle: true,
          credentials,
        }),
      });
    });

    afterEach(async () => {
      target.destroy();
      await s3.close();
      await knex.destroy();
    });

    const reader = (options: Partial<CaptureReaderOptions> = {}) =>
      new CaptureReader({
        endpoints: portal.store,
        targets: new Map([[target.id, target]]),
        samples: monitoring,
        settings: async () => settings,
        cursors: new CaptureCursors(knex),
        logger: portal.logger,
        capacity: 2000,
        intervalMs: MINUTE,
        ...options,
      });
    /** Puts a capture file of the deployment, created at 16:<minute>. */
    const putFile = (deploymentName: string, minute: number, lines: string[]) =>
      s3.objects.set(
        `endpoints/churn-live/${deploymentName}/2026/12/04/16/${String(
          minute,
        ).padStart(2, '0')}-00-000-${randomUUID()}.jsonl`,
        Buffer.from(`${lines.join('\n')}\n`),
      );
    const windowRows = async (endpointId: string, deploymentId: string) => {
      const samples = await monitoring.driftSamples(
        endpointId,
        deploymentId,
        WINDOW,
      );
      const rows = samples.reduce((n, s) => n + s.rows, 0);
      const column = (name: string) =>
        samples.flatMap(s => s.columns[name] ?? []);
      return { rows, age: column('age'), prediction: column('prediction') };
    };

    it('reads JSON and CSV captures into the window, and a second pass only the files that arrived since', async () => {
      const { endpoint, deployment } = await portal.addEndpoint(
        'churn-live',
        'sagemaker',
      );
      expect(await reader().endpointIds()).toEqual([endpoint.id]);
      putFile(deployment.name, 5, [
        jsonCapture(
          [
            [41, 'pro'],
            [35, 'basic'],
          ],
          [0.8, 0.2],
        ),
      ]);
      putFile(deployment.name, 10, [csvCapture([[52, 'pro']], [0.9])]);

      await reader().read(endpoint.id, NOW);
      const first = await windowRows(endpoint.id, deployment.id);
      expect(first.rows).toBe(3);
      expect([...first.age].sort()).toEqual([35, 41, 52]);
      expect([...first.prediction].sort()).toEqual([0.2, 0.8, 0.9]);

      // A file that arrived since; the first two are not read again.
      putFile(deployment.name, 20, [csvCapture([[60, 'pro']], [0.4])]);
      await reader().read(endpoint.id, NOW + MINUTE);
      const second = await windowRows(endpoint.id, deployment.id);
      expect(second.rows).toBe(4);
      expect([...second.age].sort()).toEqual([35, 41, 52, 60]);

      await reader().read(endpoint.id, NOW + 2 * MINUTE);
      expect((await windowRows(endpoint.id, deployment.id)).rows).toBe(4);
    });

    it('writes what two passes from the same cursor read once', async () => {
      const { endpoint, deployment } = await portal.addEndpoint(
        'churn-live',
        'sagemaker',
      );
      putFile(deployment.name, 5, [jsonCapture([[41, 'pro']], [0.8])]);
      putFile(deployment.name, 6, [csvCapture([[52, 'pro']], [0.9])]);

      await Promise.all([
        reader().read(endpoint.id, NOW),
        reader().read(endpoint.id, NOW),
      ]);

      expect((await windowRows(endpoint.id, deployment.id)).rows).toBe(2);
    });

    it("keeps a window's rows within the capacity, shared among its passes", async () => {
      const { endpoint, deployment } = await portal.addEndpoint(
        'churn-live',
        'sagemaker',
      );
      const rows = (n: number) =>
        Array.from({ length: n }, (_, i): [number, string] => [i, 'pro']);
      putFile(deployment.name, 5, [jsonCapture(rows(30), Array(30).fill(1))]);
      // Read every 10 minutes: at 16:30 three passes are left in the window.
      const tenMinutes = reader({ capacity: 12, intervalMs: 10 * MINUTE });

      await tenMinutes.read(endpoint.id, NOW);
      expect((await windowRows(endpoint.id, deployment.id)).rows).toBe(4);

      putFile(deployment.name, 25, [jsonCapture(rows(30), Array(30).fill(1))]);
      putFile(deployment.name, 26, [jsonCapture(rows(30), Array(30).fill(1))]);
      await tenMinutes.read(endpoint.id, NOW + 25 * MINUTE);
      // The last pass of the window gets all the room left.
      expect((await windowRows(endpoint.id, deployment.id)).rows).toBe(12);

      putFile(deployment.name, 27, [jsonCapture(rows(30), Array(30).fill(1))]);
      await tenMinutes.read(endpoint.id, NOW + 26 * MINUTE);
      expect((await windowRows(endpoint.id, deployment.id)).rows).toBe(12);
    });

    it('reads nothing for endpoints with drift off or targets without capture', async () => {
      const { endpoint, deployment } = await portal.addEndpoint(
        'churn-live',
        'sagemaker',
      );
      putFile(deployment.name, 5, [jsonCapture([[41, 'pro']], [0.8])]);

      await reader({
        settings: async () => ({
          drift: { ...settings.drift, enabled: false },
        }),
      }).read(endpoint.id, NOW);
      await reader({ targets: new Map() }).read(endpoint.id, NOW);

      expect((await windowRows(endpoint.id, deployment.id)).rows).toBe(0);
      expect(await reader({ targets: new Map() }).endpointIds()).toEqual([]);
    });
  },
);

describe('capture reads on BullMQ', () => {
  it('runs one job per endpoint per interval, however many replicas add it', async () => {
    const knex = await databases.init('SQLITE_3');
    const redis = await RedisConnection.resolve({
      config: new ConfigReader({ ml: { redis: { url: REDIS_URL } } }),
      logger: mockServices.logger.mock(),
    });
    const portal = await scrapedStore(knex);
    const monitoring = new DatabaseMonitoringStore(knex);
    const endpoints = await Promise.all(
      ['churn-a', 'churn-b'].map(name => portal.addEndpoint(name, 'captured')),
    );
    const read = jest.fn(async () => ({
      records: [],
      cursor: 'c',
      skipped: 0,
    }));
    const target = {
      id: 'captured',
      apply: async () => {},
      status: async () => ({ state: 'ready' as const, deployments: [] }),
      remove: async () => {},
      captureSource: async () => ({ description: 'test', read }),
    };
    const prefix = `ml-test-${randomUUID()}`;
    const replicas = [0, 1].map(
      () =>
        new CaptureReads({
          endpoints: portal.store,
          targets: new Map([[target.id, target]]),
          samples: monitoring,
          settings: async () => settings,
          logger: portal.logger,
          capacity: 2000,
          intervalMs: MINUTE,
          knex,
          redis,
          prefix,
        }),
    );
    try {
      const [one, two] = replicas;
      await Promise.all([
        one.schedule(NOW + 1000),
        two.schedule(NOW + 2000),
        two.schedule(NOW + 59_000),
      ]);
      one.startWorker();
      two.startWorker();
      await waitFor(
        'the interval read',
        () => one.queue.getJobCounts('completed', 'failed'),
        counts => counts.completed === 2,
      );
      expect((await one.queue.getJobCounts('failed')).failed).toBe(0);
      expect(
        (await one.queue.getJobs(['completed'])).map(j => j.id).sort(),
      ).toEqual(endpoints.map(e => `capture-${e.endpoint.id}-${NOW}`).sort());
      expect(read).toHaveBeenCalledTimes(2);
    } finally {
      await replicas[0].queue.obliterate({ force: true });
      await Promise.all(replicas.map(r => r.stop()));
      await redis.close();
      await knex.destroy();
    }
  });
});
