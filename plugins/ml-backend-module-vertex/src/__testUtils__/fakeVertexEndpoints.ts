type Json = Record<string, any>;

/** Throws an error the fake server answers with Google's error JSON. */
const raise = (status: string, message: string): never => {
  throw Object.assign(new Error(message), { status });
};

const LOCATION = '^/(?:v1|ui)/projects/[^/]+/locations/[^/]+';
const ENDPOINT = `${LOCATION}/endpoints/[^/:]+`;

/** The serving routes of the fake: method, path and the operation each is named. */
export const ENDPOINT_ROUTES: Array<[string, RegExp, string]> = [
  ['GET', new RegExp(`${LOCATION}/(.+/)?operations/\\d+$`), 'GetOperation'],
  ['GET', new RegExp(`${ENDPOINT}/operations$`), 'ListOperations'],
  ['POST', new RegExp(`${LOCATION}/models:upload$`), 'UploadModel'],
  ['GET', new RegExp(`${LOCATION}/models$`), 'ListModels'],
  ['POST', new RegExp(`${LOCATION}/endpoints$`), 'CreateEndpoint'],
  ['GET', new RegExp(`${ENDPOINT}$`), 'GetEndpoint'],
  ['PATCH', new RegExp(`${ENDPOINT}$`), 'UpdateEndpoint'],
  ['DELETE', new RegExp(`${ENDPOINT}$`), 'DeleteEndpoint'],
  ['POST', new RegExp(`${ENDPOINT}:deployModel$`), 'DeployModel'],
  ['POST', new RegExp(`${ENDPOINT}:undeployModel$`), 'UndeployModel'],
  [
    'POST',
    new RegExp(`${ENDPOINT}:mutateDeployedModel$`),
    'MutateDeployedModel',
  ],
];

/** The fake's endpoint and model state, and how tests steer its long-running operations. */
export type FakeVertexEndpoints = {
  /** Endpoints, models and operations by resource name, as the API returns them. */
  endpoints: Map<string, Json>;
  models: Map<string, Json>;
  operations: Map<string, Json>;
  /**
   * From now on, operations of these methods (all when none is named) stay running until
   * `finishOperations`; by default operations are done at once.
   */
  holdOperations(...methods: string[]): void;
  /** Finishes every running operation, in order, and stops holding new ones. */
  finishOperations(): void;
  /** Makes the next operation started by `method` (e.g. `DeployModel`) fail with this message. */
  failNextOperation(method: string, message: string): void;
};

/**
 * The endpoint and model services of the FAKE Vertex AI server (see
 * `startFakeVertexServer`): endpoints, uploaded models and their long-running
 * operations in memory. Like Vertex AI, a deploy, undeploy or mutate takes effect when its
 * operation finishes, a traffic split must add up to 100 over deployed models ("0" naming
 * the model being deployed), a model keeping traffic cannot be undeployed, an endpoint
 * with deployed models cannot be deleted, and (as the target assumes) an endpoint takes
 * one long-running change at a time (`FAILED_PRECONDITION` otherwise).
 */
export function createFakeVertexEndpoints(
  now: () => string,
): FakeVertexEndpoints & {
  handlers: Record<
    string,
    (path: string, body: Json, query: URLSearchParams) => Json
  >;
} {
  const endpoints = new Map<string, Json>();
  const models = new Map<string, Json>();
  const operations = new Map<string, Json>();
  const effects = new Map<string, () => void>();
  const operationFailures = new Map<string, string>();
  /** Methods whose operations are held; `*` for all. */
  let held = new Set<string>();
  let nextId = 1;

  const findEndpoint = (name: string): Json =>
    endpoints.get(name) ?? raise('NOT_FOUND', `Endpoint ${name} not found.`);
  /** The endpoint's path from a request path: `/v1/<name>[:verb]`. */
  const endpointOf = (path: string) =>
    findEndpoint(path.replace(/:[a-zA-Z]+$/, ''));
  const running = (prefix: string) =>
    [...operations.values()].some(
      op => !op.done && op.name.startsWith(`${prefix}/operations/`),
    );

  const finish = (name: string) => {
    const operation = operations.get(name)!;
    const failure = operation.failure as string | undefined;
    delete operation.failure;
    if (failure) {
      operation.error = { code: 9, message: failure };
    } else {
      effects.get(name)!();
    }
    operation.done = true;
    effects.delete(name);
  };
  /** Starts an operation under `owner` whose `effect` happens when it finishes. */
  const start = (method: string, owner: string, effect: () => void): Json => {
    const name = `${owner}/operations/${nextId++}`;
    const operation: Json = { name, done: false };
    const failure = operationFailures.get(method);
    if (failure !== undefined) {
      operationFailures.delete(method);
      operation.failure = failure;
    }
    operations.set(name, operation);
    effects.set(name, effect);
    if (!held.has('*') && !held.has(method)) finish(name);
    const { failure: _, ...answer } = operation;
    return answer;
  };
  const oneChangeAtATime = (endpoint: Json) => {
    if (running(endpoint.name)) {
      raise(
        'FAILED_PRECONDITION',
        `Endpoint ${endpoint.name} has an operation in progress.`,
      );
    }
  };
  /** A split must add up to 100 over deployed models (and "0" when one is being deployed). */
  const checkSplit = (endpoint: Json, split: Json, allowNew: boolean) => {
    const ids = new Set(endpoint.deployedModels.map((d: Json) => d.id));
    if (allowNew) ids.add('0');
    const total = Object.values(split).reduce(
      (sum: number, w) => sum + Number(w),
      0,
    );
    const unknown = Object.keys(split).find(id => !ids.has(id));
    if (unknown !== undefined) {
      raise(
        'INVALID_ARGUMENT',
        `Deployed model ${unknown} is not on endpoint ${endpoint.name}.`,
      );
    }
    if (Object.keys(split).length > 0 && total !== 100) {
      raise(
        'INVALID_ARGUMENT',
        `Traffic split must add up to 100, got ${total}.`,
      );
    }
  };

  const handlers: Record<
    string,
    (path: string, body: Json, query: URLSearchParams) => Json
  > = {
    GetOperation: path => {
      const { failure: _, ...operation } =
        operations.get(path) ??
        raise('NOT_FOUND', `Operation ${path} not found.`);
      return operation;
    },
    ListOperations(path) {
      const prefix = `${path.replace(/\/operations$/, '')}/operations/`;
      const list = [...operations.values()]
        .filter(op => op.name.startsWith(prefix))
        .map(({ failure: _, ...op }) => op);
      return list.length ? { operations: list } : {};
    },
    UploadModel(path, { model }) {
      const parent = path.replace(/\/models:upload$/, '');
      if (
        !model?.displayName ||
        !model.containerSpec?.imageUri ||
        !model.artifactUri
      ) {
        raise(
          'INVALID_ARGUMENT',
          'displayName, artifactUri and containerSpec.imageUri are required.',
        );
      }
      const name = `${parent}/models/${nextId++}`;
      return start('UploadModel', name, () =>
        models.set(name, { ...model, name, createTime: now() }),
      );
    },
    ListModels(path, _body, query) {
      const [, key, value] =
        /^labels\.([a-z0-9_-]+)="([^"]*)"$/.exec(query.get('filter') ?? '') ??
        raise('INVALID_ARGUMENT', `Unsupported filter: ${query.get('filter')}`);
      const parent = path.replace(/\/models$/, '');
      const list = [...models.values()].filter(
        m => m.name.startsWith(`${parent}/`) && m.labels?.[key] === value,
      );
      return list.length ? { models: list } : {};
    },
    CreateEndpoint(path, endpoint, query) {
      const id = query.get('endpointId') ?? String(nextId++);
      const name = `${path.replace(/\/endpoints$/, '')}/endpoints/${id}`;
      if (endpoints.has(name))
        raise('ALREADY_EXISTS', `Endpoint ${name} already exists.`);
      return start('CreateEndpoint', name, () =>
        endpoints.set(name, {
          ...endpoint,
          name,
          deployedModels: [],
          trafficSplit: {},
          createTime: now(),
        }),
      );
    },
    GetEndpoint: path => findEndpoint(path),
    UpdateEndpoint(path, body, query) {
      const endpoint = findEndpoint(path);
      // Field masks name proto fields, in either case.
      if (!/^traffic_?[sS]plit$/.test(query.get('updateMask') ?? '')) {
        raise(
          'INVALID_ARGUMENT',
          `Unsupported update mask: ${query.get('updateMask')}`,
        );
      }
      checkSplit(endpoint, body.trafficSplit ?? {}, false);
      endpoint.trafficSplit = body.trafficSplit ?? {};
      return endpoint;
    },
    DeleteEndpoint(path) {
      const endpoint = findEndpoint(path);
      oneChangeAtATime(endpoint);
      if (endpoint.deployedModels.length > 0) {
        raise(
          'FAILED_PRECONDITION',
          `Endpoint ${path} still has deployed models.`,
        );
      }
      return start('DeleteEndpoint', path, () => endpoints.delete(path));
    },
    DeployModel(path, { deployedModel, trafficSplit = {} }) {
      const endpoint = endpointOf(path);
      oneChangeAtATime(endpoint);
      if (!models.has(deployedModel?.model)) {
        raise('NOT_FOUND', `Model ${deployedModel?.model} not found.`);
      }
      checkSplit(endpoint, trafficSplit, true);
      const id = String(nextId++);
      return start('DeployModel', endpoint.name, () => {
        const replicas = deployedModel.dedicatedResources?.minReplicaCount ?? 1;
        endpoint.deployedModels.push({
          ...deployedModel,
          id,
          createTime: now(),
          status: { availableReplicaCount: replicas },
        });
        if (Object.keys(trafficSplit).length > 0) {
          endpoint.trafficSplit = Object.fromEntries(
            Object.entries(trafficSplit).map(([key, w]) => [
              key === '0' ? id : key,
              w,
            ]),
          );
        }
      });
    },
    UndeployModel(path, { deployedModelId, trafficSplit = {} }) {
      const endpoint = endpointOf(path);
      oneChangeAtATime(endpoint);
      if (
        !endpoint.deployedModels.some((d: Json) => d.id === deployedModelId)
      ) {
        raise('NOT_FOUND', `Deployed model ${deployedModelId} not found.`);
      }
      const last = endpoint.deployedModels.length === 1;
      const split = Object.keys(trafficSplit).length
        ? trafficSplit
        : endpoint.trafficSplit;
      if (!last) {
        checkSplit(endpoint, trafficSplit, false);
        if (Number(split[deployedModelId] ?? 0) > 0) {
          raise(
            'FAILED_PRECONDITION',
            `Deployed model ${deployedModelId} still has traffic.`,
          );
        }
      }
      return start('UndeployModel', endpoint.name, () => {
        endpoint.deployedModels = endpoint.deployedModels.filter(
          (d: Json) => d.id !== deployedModelId,
        );
        const { [deployedModelId]: _, ...rest } = split;
        endpoint.trafficSplit = last ? {} : rest;
      });
    },
    MutateDeployedModel(path, { deployedModel }) {
      const endpoint = endpointOf(path);
      oneChangeAtATime(endpoint);
      const current =
        endpoint.deployedModels.find((d: Json) => d.id === deployedModel?.id) ??
        raise('NOT_FOUND', `Deployed model ${deployedModel?.id} not found.`);
      return start('MutateDeployedModel', endpoint.name, () => {
        const { minReplicaCount, maxReplicaCount } =
          deployedModel.dedicatedResources;
        Object.assign(current.dedicatedResources, {
          minReplicaCount,
          maxReplicaCount,
        });
      });
    },
  };

  return {
    endpoints,
    models,
    operations,
    handlers,
    holdOperations(...methods) {
      held = new Set(methods.length ? methods : ['*']);
    },
    finishOperations() {
      held = new Set();
      for (const operation of [...operations.values()]) {
        if (!operation.done) finish(operation.name);
      }
    },
    failNextOperation(method, message) {
      operationFailures.set(method, message);
    },
  };
}
