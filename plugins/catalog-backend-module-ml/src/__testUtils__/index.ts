import { AddressInfo } from 'node:net';
import {
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
} from 'node:http';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { MlCatalogAsset } from '@ml-portal/plugin-ml-common';

/**
 * A fake of the ml backend's catalog endpoint (`GET /api/ml/catalog/assets`) on a random
 * local port: it answers what a test sets, in the ml backend's wire format (Backstage's
 * error body on failures), and records the Authorization headers it receives.
 */
export class FakeMlCatalogBackend {
  /** What the next requests answer: the asset list, or an error status. */
  assets: unknown[] = [];
  failWithStatus?: number;
  readonly authorizations: Array<string | undefined> = [];

  private readonly server: Server = createServer((req, res) =>
    this.answer(req, res),
  );
  private port = 0;

  private constructor() {}

  static async start(): Promise<FakeMlCatalogBackend> {
    const fake = new FakeMlCatalogBackend();
    await new Promise<void>(resolve =>
      fake.server.listen(0, '127.0.0.1', resolve),
    );
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/api/ml`;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' || req.url !== '/api/ml/catalog/assets') {
      res.writeHead(404).end();
      return;
    }
    this.authorizations.push(req.headers.authorization);
    const status = this.failWithStatus;
    const body = status
      ? {
          error: {
            name: 'ServiceUnavailableError',
            message: 'Database down',
          },
          response: { statusCode: status },
        }
      : { assets: this.assets };
    res
      .writeHead(status ?? 200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify(body));
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }
}

/** A catalog connection that records the mutations applied to it. */
export class RecordingConnection implements EntityProviderConnection {
  readonly mutations: EntityProviderMutation[] = [];
  /** When set, the next mutation fails with it (and is not recorded). */
  failNextWith?: Error;

  async applyMutation(mutation: EntityProviderMutation): Promise<void> {
    const failure = this.failNextWith;
    if (failure) {
      this.failNextWith = undefined;
      throw failure;
    }
    this.mutations.push(mutation);
  }

  async refresh(): Promise<void> {}
}

/** An asset as the ml backend would list it, with the given overrides. */
export function mlAsset(
  overrides: Partial<MlCatalogAsset> = {},
): MlCatalogAsset {
  return {
    type: 'ml-model',
    entityName: 'model-churn-classifier',
    title: 'churn-classifier',
    description: 'Predicts churn',
    owner: 'group:default/ml-team',
    path: 'models/churn-classifier',
    tags: ['ml-model'],
    dependsOn: [],
    annotations: { 'ml.platform/model': 'churn-classifier' },
    ...overrides,
  };
}

/** A serving endpoint as the ml backend would list it, with the given overrides. */
export function mlEndpointAsset(
  overrides: Partial<MlCatalogAsset> = {},
): MlCatalogAsset {
  return mlAsset({
    type: 'ml-endpoint',
    entityName: 'endpoint-churn-live',
    title: 'churn-live',
    description: 'Churn scores for the CRM',
    owner: 'group:default/crm-team',
    path: 'deployments/churn-live',
    tags: ['ml-endpoint', 'real-time'],
    dependsOn: ['model-churn-classifier'],
    annotations: { 'ml.platform/model': 'churn-classifier' },
    endpoint: {
      kind: 'real-time',
      target: 'local',
      status: 'READY',
      url: 'http://ml.test/api/ml/serving/churn-live/invocations',
      modelName: 'churn-classifier',
      versions: ['9', '10'],
    },
    ...overrides,
  });
}
