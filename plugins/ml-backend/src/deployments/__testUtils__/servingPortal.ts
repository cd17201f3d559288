import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import request from 'supertest';
import {
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../../__testUtils__/permissions';
import { startPortal } from '../../__testUtils__/portal';
import { userRequests } from '../../__testUtils__/userRequests';
import { waitFor } from '../../__testUtils__/waitFor';
import {
  MODEL_SERVER_COMMAND,
  REPO_ROOT,
  writeTestModel,
} from '../local/__testUtils__/testModel';

/** @internal */
export const TEAM = 'group:default/churn-team';
/** @internal */
export const SCIENTIST = 'user:default/scientist';
/** @internal */
export const APPROVER = 'user:default/approver';
/** @internal */
export const OUTSIDER = 'user:default/outsider';

const FEATURES = ['tenure', 'monthly_charges'];

/**
 * Flavors of the test models: the example's model server, the same server failing 30%
 * of requests (a bad version), and a server that never answers /ping.
 */
const FLAVORS = [
  {
    flavor: 'faulty_test',
    command: [...MODEL_SERVER_COMMAND, '--fail-rate', '0.3'],
  },
  {
    flavor: 'never_ready_test',
    command: [
      process.execPath,
      '-e',
      "console.log('loading weights: out of memory'); setInterval(() => {}, 1000)",
    ],
  },
  { flavor: 'portal_logistic', command: MODEL_SERVER_COMMAND },
];

/**
 * A test portal with the local serving target running the examples' model server, its
 * analysis and reconciler ticking fast, a team of a scientist and an approver, and
 * helpers to register model versions (their files uploaded through the MLflow artifact
 * API, as the training example does) and to call the API and the serving router.
 *
 * @internal
 */
export async function startServingPortal(
  options: {
    database?: Knex;
    ml?: Record<string, unknown>;
    /** Replicas of one backend share its artifact store and model cache. */
    directories?: { artifacts: string; models: string };
  } = {},
) {
  const { directories } = options;
  // What the portal sends to Backstage's notifications backend (absent in tests).
  const notifications: NotificationSendOptions[] = [];
  const { server, stop } = await startPortal({
    database: options.database,
    features: [
      ...tenancyPermissionFeatures,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (sent: NotificationSendOptions) => {
            notifications.push(sent);
          },
        }),
      }),
      userInfoByTeam({
        [SCIENTIST]: [TEAM],
        [APPROVER]: [TEAM],
        [OUTSIDER]: ['group:default/other-team'],
      }),
    ],
    config: { permission: { enabled: true } },
    ml: {
      permissions: { readAcrossTeams: true },
      serving: {
        targets: {
          local: {
            workingDirectory: REPO_ROOT,
            startTimeoutSeconds: 15,
            stopGraceSeconds: 1,
            flavors: FLAVORS,
          },
        },
      },
      deployments: {
        workers: true,
        analysisIntervalSeconds: 0.3,
        meterFlushMs: 200,
        ...(directories && { modelCacheDirectory: directories.models }),
      },
      ...(directories && {
        artifacts: { local: { directory: directories.artifacts } },
      }),
      ...options.ml,
    },
  });
  const as = (user: string) => userRequests(server, user);
  const scientist = as(SCIENTIST);
  let experimentId: string | undefined;

  return {
    server,
    stop,
    notifications,
    as,
    scientist,
    /** Registers a version of `model` whose files are a test model of `flavor`. */
    async registerVersion(
      model: string,
      version: {
        coefficients: number[];
        flavorsBefore?: string[];
        /** More files of the model directory (a feature profile), name → content. */
        files?: Record<string, string>;
      },
    ): Promise<{ version: string; id: string }> {
      if (!experimentId) {
        const created = await scientist.post(
          '/mlflow/api/2.0/mlflow/experiments/create',
          { name: `serving-${Math.random().toString(36).slice(2)}` },
        );
        experimentId = created.body.experiment_id;
      }
      const run = await scientist.post('/mlflow/api/2.0/mlflow/runs/create', {
        experiment_id: experimentId,
      });
      if (!run.body.run)
        throw new Error(
          `runs/create answered ${run.status}: ${JSON.stringify(run.body)}`,
        );
      const runId = run.body.run.info.run_id;
      const { dir } = await writeTestModel({
        featureNames: FEATURES,
        coefficients: version.coefficients,
        intercept: 0.1,
        flavorsBefore: version.flavorsBefore,
      });
      for (const [name, content] of Object.entries(version.files ?? {})) {
        await writeFile(join(dir, name), content);
      }
      for (const file of await readdir(dir)) {
        const uploaded = await scientist.put(
          `/mlflow/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/${file}`,
          await readFile(join(dir, file)),
        );
        expect(uploaded.status).toBe(200);
      }
      const existing = await scientist.get(`/models/${model}`);
      if (existing.status === 404) {
        expect(
          (await scientist.post('/models', { name: model, owner: TEAM }))
            .status,
        ).toBe(201);
      }
      const registered = await scientist.post(`/models/${model}/versions`, {
        runId,
      });
      expect(registered.status).toBe(201);
      return { version: registered.body.version, id: registered.body.id };
    },
    /** One scoring request through the portal's router. */
    invoke(endpoint: string, user = SCIENTIST) {
      return request(server)
        .post(`/api/ml/serving/${endpoint}/invocations`)
        .set('Authorization', mockCredentials.user.header(user))
        .send({
          dataframe_split: { columns: FEATURES, data: [[12, 70.5]] },
        });
    },
    /** Waits until `done` holds for the endpoint, sending `traffic` requests each look. */
    async endpointWhen(
      name: string,
      done: (endpoint: any) => boolean,
      wait: { traffic?: number; timeoutMs?: number } = {},
    ) {
      return waitFor(
        `endpoint ${name}`,
        async () => {
          for (let i = 0; i < (wait.traffic ?? 0); i += 10) {
            await Promise.all(
              Array.from({ length: 10 }, () => this.invoke(name)),
            );
          }
          return (await scientist.get(`/deployments/endpoints/${name}`)).body;
        },
        done,
        wait.timeoutMs ?? 45_000,
      );
    },
  };
}
