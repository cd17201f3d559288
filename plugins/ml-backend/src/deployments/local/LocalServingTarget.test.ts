import { rm } from 'node:fs/promises';
import { mockServices } from '@backstage/backend-test-utils';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { EndpointSpec, EndpointStatus } from '@ml-portal/plugin-ml-node';
import {
  MODEL_SERVER_COMMAND,
  REPO_ROOT,
  writeTestModel,
} from './__testUtils__/testModel';
import { LocalServingSettings } from './config';
import { LocalServingTarget } from './LocalServingTarget';

const node = process.execPath;

const settings = (
  flavors: LocalServingSettings['flavors'],
  overrides: Partial<LocalServingSettings> = {},
): LocalServingSettings => ({
  flavors,
  workingDirectory: REPO_ROOT,
  startTimeoutSeconds: 20,
  stopGraceSeconds: 2,
  ...overrides,
});

const serverFlavor = (flavor: string, ...extraArgs: string[]) => ({
  flavor,
  command: [...MODEL_SERVER_COMMAND, ...extraArgs],
});

function spec(
  name: string,
  modelDir: string,
  deployments: Array<{ name: string; flavor?: string }>,
  overrides: Partial<EndpointSpec> = {},
): EndpointSpec {
  return {
    name,
    kind: 'real-time',
    owner: 'group:default/ml-platform',
    gpus: 0,
    scaling: { minReplicas: 1, maxReplicas: 1, targetConcurrency: 4 },
    deployments: deployments.map((d, i) => ({
      name: d.name,
      weight: i === 0 ? 100 : 0,
      model: {
        name: 'churn',
        version: String(i + 1),
        artifactUri: `file://${modelDir}`,
        localPath: modelDir,
        ...(d.flavor && { flavor: d.flavor }),
      },
    })),
    ...overrides,
  };
}

/** Probes until `done` holds of the answer, failing with the last answer at the deadline. */
async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 25_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`never matched; last: ${JSON.stringify(value)}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}

const waitForStatus = (
  target: LocalServingTarget,
  endpoint: string,
  done: (status: EndpointStatus) => boolean,
) => eventually(() => target.status(endpoint), done);

const deploymentState = (status: EndpointStatus, name: string) =>
  status.deployments.find(d => d.name === name)?.state;

async function invoke(
  url: string,
  body: string,
  contentType = 'application/json',
) {
  const response = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, body: await response.json() };
}

/** True when nothing listens at the URL any more. */
async function refusesConnections(url: string) {
  return fetch(`${url}/ping`).then(
    () => false,
    () => true,
  );
}

// Real model server processes: starts take a few hundred ms each on a loaded machine.
jest.setTimeout(60_000);

describe('LocalServingTarget', () => {
  let modelDir: string;
  const targets: LocalServingTarget[] = [];
  const create = (s: LocalServingSettings) => {
    const target = LocalServingTarget.create({
      settings: s,
      logger: mockServices.logger.mock(),
    });
    targets.push(target);
    return target;
  };

  let expected: (x: number, y: number) => number;

  beforeAll(async () => {
    // python_function first: the target picks the first flavor its config knows.
    ({ dir: modelDir, probability: expected } = await writeTestModel({
      featureNames: ['x', 'y'],
      coefficients: [1, -2],
      intercept: 0.5,
      flavorsBefore: ['python_function'],
    }));
  });

  afterEach(async () => {
    await Promise.all(targets.splice(0).map(t => t.destroy()));
  });

  afterAll(async () => {
    await rm(modelDir, { recursive: true, force: true });
  });

  it('serves a model by the first configured flavor of its MLmodel, for every MLflow input shape', async () => {
    const target = create(settings([serverFlavor('portal_logistic')]));
    await target.apply(spec('churn', modelDir, [{ name: 'churn-v1' }]));
    expect((await target.status('churn')).state).toBe('updating');

    const status = await waitForStatus(
      target,
      'churn',
      s => s.state !== 'updating',
    );
    expect(status).toEqual({
      state: 'ready',
      deployments: [{ name: 'churn-v1', state: 'ready', replicas: 1 }],
    });
    const { url, coldStartMs } = await target.route('churn', 'churn-v1');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(coldStartMs).toBeUndefined();

    const predictions = [expected(1, 2), expected(0, -1)];
    const bodies = [
      {
        dataframe_split: {
          columns: ['y', 'x'],
          data: [
            [2, 1],
            [-1, 0],
          ],
        },
      },
      {
        dataframe_records: [
          { x: 1, y: 2 },
          { y: -1, x: 0, extra: 'ignored' },
        ],
      },
      {
        instances: [
          [1, 2],
          [0, -1],
        ],
      },
      { inputs: { x: [1, 0], y: [2, -1] } },
      {
        inputs: [
          { x: 1, y: 2 },
          { x: 0, y: -1 },
        ],
        params: {},
      },
    ];
    for (const body of bodies) {
      const answer = await invoke(url, JSON.stringify(body));
      expect({ input: body, ...answer }).toEqual({
        input: body,
        status: 200,
        body: { predictions },
      });
    }
    expect(await invoke(url, 'y,x\n2,1\n-1,0\n', 'text/csv')).toEqual({
      status: 200,
      body: { predictions },
    });
  });

  it('fails a deployment whose server never answers /ping, or exits, with its last log lines; it is never routed to', async () => {
    process.env.ML_TEST_BACKEND_SECRET = 'must-not-leak';
    const target = create(
      settings(
        [
          {
            flavor: 'silent',
            command: [
              node,
              '-e',
              "console.log('warming up forever, env: ' + Object.keys(process.env).sort().join(',')); setInterval(() => {}, 1000)",
            ],
          },
          {
            flavor: 'crashing',
            command: [
              node,
              '-e',
              "console.error('boom: no weights'); process.exit(3)",
            ],
          },
        ],
        { startTimeoutSeconds: 1.5 },
      ),
    );
    const brokenSpec = spec('broken', modelDir, [
      { name: 'broken-silent', flavor: 'silent' },
      { name: 'broken-crash', flavor: 'crashing' },
    ]);
    try {
      await target.apply(brokenSpec);
      const status = await waitForStatus(
        target,
        'broken',
        s => s.state !== 'updating',
      );
      expect(status.state).toBe('failed');
      const silent = status.deployments.find(d => d.name === 'broken-silent')!;
      expect(silent).toMatchObject({
        state: 'failed',
        reason: 'model server did not answer GET /ping with 200 within 1.5 s',
      });
      // Only PATH, HOME, LANG and what the server needs: no backend variable.
      expect(silent.logTail).toMatch(
        /^warming up forever, env: (HOME,)?(LANG,)?MODEL_DIR,PATH,PORT$/,
      );
      const crash = status.deployments.find(d => d.name === 'broken-crash')!;
      expect(crash).toMatchObject({
        state: 'failed',
        reason: 'model server exited with code 3 before answering GET /ping',
        logTail: 'boom: no weights',
      });
      await expect(
        target.route('broken', 'broken-silent'),
      ).rejects.toBeInstanceOf(ServiceUnavailableError);

      // Applied again, a failed deployment gets another start (and fails again here).
      await target.apply(brokenSpec);
      expect(
        deploymentState(await target.status('broken'), 'broken-crash'),
      ).toBe('starting');
      const again = await waitForStatus(
        target,
        'broken',
        s => s.state !== 'updating',
      );
      expect(
        again.deployments.find(d => d.name === 'broken-crash'),
      ).toMatchObject({ state: 'failed', logTail: 'boom: no weights' });
    } finally {
      delete process.env.ML_TEST_BACKEND_SECRET;
    }
  });

  it('does not route to a real-time deployment before it is ready', async () => {
    const target = create(settings([serverFlavor('portal_logistic')]));
    await target.apply(spec('early', modelDir, [{ name: 'early-v1' }]));
    await expect(target.route('early', 'early-v1')).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    await waitForStatus(target, 'early', s => s.state === 'ready');
    await expect(target.route('early', 'early-v1')).resolves.toHaveProperty(
      'url',
    );
  });

  it('scales an idle serverless deployment to zero and cold-starts it once for concurrent routes', async () => {
    const target = create(settings([serverFlavor('portal_logistic')]));
    await target.apply(
      spec('burst', modelDir, [{ name: 'burst-v1' }], {
        kind: 'serverless',
        scaling: {
          minReplicas: 0,
          maxReplicas: 1,
          targetConcurrency: 4,
          scaleToZeroAfterSeconds: 1,
        },
      }),
    );
    await waitForStatus(target, 'burst', s => s.state === 'ready');
    const { url: warmUrl } = await target.route('burst', 'burst-v1');

    const idle = await waitForStatus(
      target,
      'burst',
      s => deploymentState(s, 'burst-v1') === 'scaled-to-zero',
    );
    expect(idle).toEqual({
      state: 'ready',
      deployments: [{ name: 'burst-v1', state: 'scaled-to-zero', replicas: 0 }],
    });
    // Its server stops (SIGTERM, then the grace) once it scaled to zero.
    await eventually(() => refusesConnections(warmUrl), Boolean);

    const began = Date.now();
    const [first, second] = await Promise.all([
      target.route('burst', 'burst-v1'),
      target.route('burst', 'burst-v1'),
    ]);
    const waited = Date.now() - began;
    for (const { coldStartMs } of [first, second]) {
      expect(coldStartMs).toBeGreaterThan(0);
      expect(coldStartMs).toBeLessThanOrEqual(waited);
    }
    expect(second.url).toBe(first.url);
    expect(
      await invoke(first.url, JSON.stringify({ instances: [[1, 2]] })),
    ).toEqual({
      status: 200,
      body: { predictions: [expected(1, 2)] },
    });
    expect(deploymentState(await target.status('burst'), 'burst-v1')).toBe(
      'ready',
    );
  });

  it('keeps a deployment an identical apply lists, stops one it no longer lists, and remove stops the rest', async () => {
    const target = create(settings([serverFlavor('portal_logistic')]));
    const both = spec('churn2', modelDir, [
      { name: 'churn2-v1' },
      { name: 'churn2-v2' },
    ]);
    await target.apply(both);
    await waitForStatus(target, 'churn2', s => s.state === 'ready');
    const v1 = (await target.route('churn2', 'churn2-v1')).url;
    const v2 = (await target.route('churn2', 'churn2-v2')).url;

    await target.apply(both);
    expect((await target.status('churn2')).state).toBe('ready');
    expect((await target.route('churn2', 'churn2-v1')).url).toBe(v1);

    await target.apply({ ...both, deployments: [both.deployments[0]] });
    expect(await refusesConnections(v2)).toBe(true);
    expect(
      (await target.status('churn2')).deployments.map(d => d.name),
    ).toEqual(['churn2-v1']);
    expect((await target.route('churn2', 'churn2-v1')).url).toBe(v1);

    await target.remove('churn2');
    expect(await refusesConnections(v1)).toBe(true);
    expect(await target.status('churn2')).toEqual({
      state: 'not-found',
      deployments: [],
    });
    await expect(target.remove('churn2')).resolves.toBeUndefined();
  });

  it('answers 500 from a server started with --fail-rate 1, while it stays ready', async () => {
    const target = create(
      settings([serverFlavor('portal_logistic', '--fail-rate', '1')]),
    );
    await target.apply(spec('flaky', modelDir, [{ name: 'flaky-v1' }]));
    await waitForStatus(target, 'flaky', s => s.state === 'ready');
    const { url } = await target.route('flaky', 'flaky-v1');
    for (let i = 0; i < 3; i++) {
      expect(
        await invoke(url, JSON.stringify({ instances: [[1, 2]] })),
      ).toEqual({
        status: 500,
        body: {
          error_code: 'INTERNAL_ERROR',
          message: 'Injected failure (--fail-rate)',
        },
      });
    }
    expect((await target.status('flaky')).state).toBe('ready');
  });

  it('refuses a model no configured flavor serves, or without local files, and changes nothing', async () => {
    const target = create(settings([serverFlavor('onnx_runtime')]));
    await expect(
      target.apply(spec('nope', modelDir, [{ name: 'nope-v1' }])),
    ).rejects.toThrow(
      new InputError(
        'churn version 1 has the flavors [python_function, portal_logistic] in its MLmodel; ml.serving.targets.local.flavors configures a command for [onnx_runtime] only',
      ),
    );
    await expect(
      target.apply(
        spec('nope', modelDir, [{ name: 'nope-v1', flavor: 'sklearn' }]),
      ),
    ).rejects.toThrow(
      /flavor sklearn, for which ml.serving.targets.local.flavors configures no command/,
    );
    const withoutFiles = spec('nope', modelDir, [{ name: 'nope-v1' }]);
    delete withoutFiles.deployments[0].model.localPath;
    await expect(target.apply(withoutFiles)).rejects.toThrow(
      /needs the files of churn version 1/,
    );
    expect(await target.status('nope')).toEqual({
      state: 'not-found',
      deployments: [],
    });
  });
});
