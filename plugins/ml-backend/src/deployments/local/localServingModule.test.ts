import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigReader, JsonObject } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { startServingTargetModule } from '@ml-portal/plugin-ml-node/testUtils';
import {
  MODEL_SERVER_COMMAND,
  REPO_ROOT,
  writeTestModel,
} from './__testUtils__/testModel';
import { readLocalServingSettings } from './config';
import { mlModuleLocalServingTarget } from './localServingModule';

const read = (local: JsonObject) =>
  readLocalServingSettings(
    new ConfigReader({ ml: { serving: { targets: { local } } } }),
  );

const logistic = {
  flavor: 'portal_logistic',
  command: [
    'node',
    'examples/serving/model_server.ts',
    '--model-dir',
    '{modelDir}',
    '--port',
    '{port}',
  ],
};

describe('readLocalServingSettings', () => {
  it('is undefined when ml.serving.targets.local is absent', () => {
    expect(
      readLocalServingSettings(new ConfigReader({ ml: {} })),
    ).toBeUndefined();
  });

  it('is undefined when the section says enabled: false (production over the local config)', () => {
    expect(read({ enabled: false, flavors: [] })).toBeUndefined();
  });

  it('resolves the working directory against the backend’s and applies the defaults', () => {
    expect(read({ flavors: [logistic], workingDirectory: '../..' })).toEqual({
      flavors: [logistic],
      workingDirectory: resolve('../..'),
      startTimeoutSeconds: 30,
      stopGraceSeconds: 5,
    });
  });

  it.each([
    [{}, /must list at least one \{ flavor, command \}/],
    [
      { flavors: [{ flavor: 'has space', command: ['x'] }] },
      /'has space' is not an MLmodel flavor name/,
    ],
    [
      { flavors: [{ flavor: 'a', command: [] }] },
      /flavors\[0\]\.command must name a program/,
    ],
    [
      { flavors: [logistic, logistic] },
      /lists the flavor 'portal_logistic' twice/,
    ],
    [
      { flavors: [logistic], startTimeoutSeconds: 0 },
      /startTimeoutSeconds must be a positive number/,
    ],
  ])('refuses invalid settings %#', (local, message) => {
    expect(() => read(local as JsonObject)).toThrow(message);
    expect(() => read(local as JsonObject)).toThrow(InputError);
  });
});

describe('mlModuleLocalServingTarget', () => {
  const start = (config: JsonObject) =>
    startServingTargetModule(mlModuleLocalServingTarget, config);

  it('adds the local target when configured, one that needs local files and routes', async () => {
    const { targets, stop } = await start({
      ml: { serving: { targets: { local: { flavors: [logistic] } } } },
    });
    try {
      expect(targets).toHaveLength(1);
      expect(targets[0]).toMatchObject({ id: 'local', needsLocalFiles: true });
      expect(typeof targets[0].route).toBe('function');
      expect(await targets[0].status('none')).toEqual({
        state: 'not-found',
        deployments: [],
      });
    } finally {
      await stop();
    }
  });

  it('stops the model servers when the backend shuts down', async () => {
    const model = await writeTestModel({
      featureNames: ['a'],
      coefficients: [1],
      intercept: 0,
    });
    const { targets, stop } = await start({
      ml: {
        serving: {
          targets: {
            local: {
              flavors: [
                { flavor: 'portal_logistic', command: MODEL_SERVER_COMMAND },
              ],
              workingDirectory: REPO_ROOT,
            },
          },
        },
      },
    });
    try {
      const [target] = targets;
      await target.apply({
        name: 'shutdown',
        kind: 'real-time',
        owner: 'group:default/ml-platform',
        gpus: 0,
        scaling: { minReplicas: 1, maxReplicas: 1, targetConcurrency: 1 },
        deployments: [
          {
            name: 'shutdown-v1',
            weight: 100,
            model: {
              name: 'm',
              version: '1',
              artifactUri: `file://${model.dir}`,
              localPath: model.dir,
            },
          },
        ],
      });
      const deadline = Date.now() + 20_000;
      while (
        (await target.status('shutdown')).state === 'updating' &&
        Date.now() < deadline
      ) {
        await new Promise(r => setTimeout(r, 50));
      }
      const { url } = await target.route!('shutdown', 'shutdown-v1');
      expect((await fetch(`${url}/ping`)).status).toBe(200);
      await stop();
      await expect(fetch(`${url}/ping`)).rejects.toThrow();
    } finally {
      await rm(model.dir, { recursive: true, force: true });
    }
  });

  it('adds nothing when unconfigured', async () => {
    const { targets, stop } = await start({ ml: {} });
    expect(targets).toEqual([]);
    await stop();
  });
});
