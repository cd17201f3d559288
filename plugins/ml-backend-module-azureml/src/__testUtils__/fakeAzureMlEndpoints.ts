type Json = Record<string, any>;

/** The serving operations of the fake, as named in `calls` and `failNext`. */
export type FakeServingOperation =
  | 'GetWorkspace'
  | 'GetEndpoint'
  | 'PutEndpoint'
  | 'DeleteEndpoint'
  | 'ListDeployments'
  | 'GetDeployment'
  | 'PutDeployment'
  | 'DeleteDeployment'
  | 'GetDeploymentLogs'
  | 'PutModelVersion'
  | 'GetServingOperation';

/** A route of the fake server (see `startFakeAzureMlServer`). */
export type FakeRoute<Operation> = {
  operation: Operation;
  method: string;
  path: RegExp;
  arm: boolean;
  handle(match: string[], body: Json): [number, Json, Json?];
};

/** The fake's online endpoints, deployments and model versions, and how tests steer them. */
export type FakeAzureMlEndpoints = {
  /** Endpoints and deployments (`<endpoint>/<deployment>`) as ARM bodies, by name. */
  endpoints: Map<string, Json>;
  deployments: Map<string, Json>;
  /** Model versions by `<name>/<version>`. */
  models: Map<string, Json>;
  /**
   * From now on, what is created, updated or deleted stays `Creating`, `Updating` or
   * `Deleting` until `settle` (by default it is done at once).
   */
  holdProvisioning(): void;
  /** Finishes everything in progress and stops holding. */
  settle(): void;
  /** Makes the next deployment being provisioned end `Failed`, with these server logs. */
  failNextDeployment(logs: string): void;
};

/**
 * Online endpoints of the FAKE Azure ML server: the ARM paths of
 * `onlineEndpoints/{name}` (GET, PUT, DELETE), its `deployments` (list, GET, PUT,
 * DELETE, `getLogs`), model versions (PUT), the workspace (GET, for its location) and
 * the operation a DELETE answers with (202 and a `Location`). As Azure ML does, it
 * refuses traffic to deployments that do not exist or that do not add up to 100,
 * deleting a deployment that has traffic, and changing an endpoint or deployment while
 * it provisions (409); a model version can be registered again only unchanged.
 */
export function createFakeAzureMlEndpoints(options: {
  workspaceId: string;
  subscriptionId: string;
  /** The fake server's base URL, once it listens. */
  baseUrl: () => string;
  arm(
    operation: FakeServingOperation,
    method: string,
    path: string,
    handle: FakeRoute<FakeServingOperation>['handle'],
  ): FakeRoute<FakeServingOperation>;
  raise(status: number, code: string, message: string): never;
}): FakeAzureMlEndpoints & { routes: FakeRoute<FakeServingOperation>[] } {
  const { workspaceId, arm, raise } = options;
  const endpoints = new Map<string, Json>();
  const deployments = new Map<string, Json>();
  const models = new Map<string, Json>();
  /** What finishes each resource in progress, by its key. */
  const pending = new Map<string, () => void>();
  let hold = false;
  let nextFailure: string | undefined;
  const logs = new Map<string, string>();
  const location = 'westeurope';

  const findEndpoint = (name: string): Json =>
    endpoints.get(name) ??
    raise(404, 'UserError', `Online endpoint ${name} not found.`);
  const findDeployment = (key: string): Json =>
    deployments.get(key) ??
    raise(404, 'UserError', `Online deployment ${key} not found.`);
  const notChanging = (resource: Json) => {
    if (
      /^(Creating|Updating|Scaling|Deleting)$/.test(
        resource.properties.provisioningState,
      )
    ) {
      raise(
        409,
        'Conflict',
        `${resource.name} is ${resource.properties.provisioningState}.`,
      );
    }
  };
  /** Moves a resource to `state`, then (at once, or at `settle`) runs `done`. */
  const provision = (
    key: string,
    resource: Json,
    state: string,
    done: () => void,
  ) => {
    resource.properties.provisioningState = state;
    pending.set(key, done);
    if (!hold) {
      pending.delete(key);
      done();
    }
  };
  const deploymentsOf = (endpoint: string) =>
    [...deployments.entries()]
      .filter(([key]) => key.startsWith(`${endpoint}/`))
      .map(([, d]) => d);
  /** Starts deleting a resource: a 202 with the operation the client polls. */
  const startDeleting = (
    kind: 'oe' | 'od',
    key: string,
    resource: Json,
    done: () => void,
  ): [number, Json, Json] => {
    provision(key, resource, 'Deleting', done);
    const operation = `${options.baseUrl()}/subscriptions/${
      options.subscriptionId
    }/providers/Microsoft.MachineLearningServices/locations/${location}/mfeOperationResults/${kind}:${encodeURIComponent(
      key,
    )}?api-version=2022-10-01`;
    return [202, {}, { location: operation, 'retry-after': '0' }];
  };

  const routes: FakeRoute<FakeServingOperation>[] = [
    arm('GetWorkspace', 'GET', '', () => [
      200,
      {
        id: workspaceId,
        name: workspaceId.split('/').pop(),
        location,
        properties: {},
      },
    ]),
    arm('GetEndpoint', 'GET', '/onlineEndpoints/([^/]+)', ([name]) => [
      200,
      findEndpoint(name),
    ]),
    arm('PutEndpoint', 'PUT', '/onlineEndpoints/([^/]+)', ([name], body) => {
      const existing = endpoints.get(name);
      if (existing) notChanging(existing);
      const { properties = {} } = body;
      if (!body.location || properties.authMode !== 'Key') {
        raise(
          400,
          'UserError',
          'location and properties.authMode are required.',
        );
      }
      const traffic: Record<string, number> = properties.traffic ?? {};
      const unknown = Object.keys(traffic).find(
        d => !deployments.has(`${name}/${d}`),
      );
      if (unknown) {
        raise(
          400,
          'UserError',
          `Traffic names deployment ${unknown}, which does not exist.`,
        );
      }
      const total = Object.values(traffic).reduce((sum, w) => sum + w, 0);
      if (Object.keys(traffic).length > 0 && total !== 100) {
        raise(400, 'UserError', `Traffic must add up to 100, got ${total}.`);
      }
      // An endpoint created without an identity gets a system-assigned one; a PUT that
      // drops it would change it (refused here, as the target assumes Azure ML does).
      const identity = existing?.identity ?? {
        type: 'SystemAssigned',
        principalId: '11111111-2222-3333-4444-555555555555',
        tenantId: '66666666-7777-8888-9999-000000000000',
      };
      if (existing && body.identity?.type !== identity.type) {
        raise(
          400,
          'UserError',
          'The identity of an endpoint cannot be changed.',
        );
      }
      const endpoint = {
        id: `${workspaceId}/onlineEndpoints/${name}`,
        name,
        location: body.location,
        identity,
        tags: body.tags,
        properties: {
          ...properties,
          scoringUri: `https://${name}.${location}.inference.ml.azure.com/score`,
          provisioningState:
            existing?.properties.provisioningState ?? 'Creating',
        },
      };
      endpoints.set(name, endpoint);
      provision(name, endpoint, existing ? 'Updating' : 'Creating', () => {
        endpoint.properties.provisioningState = 'Succeeded';
      });
      return [existing ? 200 : 201, endpoint];
    }),
    arm('DeleteEndpoint', 'DELETE', '/onlineEndpoints/([^/]+)', ([name]) => {
      return startDeleting('oe', name, findEndpoint(name), () => {
        endpoints.delete(name);
        for (const d of deploymentsOf(name))
          deployments.delete(`${name}/${d.name}`);
      });
    }),
    arm(
      'ListDeployments',
      'GET',
      '/onlineEndpoints/([^/]+)/deployments',
      ([name]) => {
        findEndpoint(name);
        return [200, { value: deploymentsOf(name) }];
      },
    ),
    arm(
      'GetDeployment',
      'GET',
      '/onlineEndpoints/([^/]+)/deployments/([^/]+)',
      ([e, d]) => [200, findDeployment(`${e}/${d}`)],
    ),
    arm(
      'PutDeployment',
      'PUT',
      '/onlineEndpoints/([^/]+)/deployments/([^/]+)',
      ([e, d], body) => {
        notChanging(findEndpoint(e));
        const key = `${e}/${d}`;
        const existing = deployments.get(key);
        if (existing) notChanging(existing);
        const { properties = {} } = body;
        if (
          properties.endpointComputeType !== 'Managed' ||
          !properties.instanceType
        ) {
          raise(
            400,
            'UserError',
            'A managed deployment needs endpointComputeType and instanceType.',
          );
        }
        const model = /\/models\/([^/]+)\/versions\/([^/]+)$/.exec(
          properties.model ?? '',
        );
        if (
          properties.model?.startsWith(workspaceId) &&
          !models.has(`${model?.[1]}/${model?.[2]}`)
        ) {
          raise(400, 'UserError', `Model ${properties.model} not found.`);
        }
        const deployment = {
          id: `${workspaceId}/onlineEndpoints/${e}/deployments/${d}`,
          name: d,
          location: body.location,
          tags: body.tags,
          sku: body.sku,
          properties: { ...properties },
        };
        deployments.set(key, deployment);
        const failure = nextFailure;
        nextFailure = undefined;
        provision(key, deployment, existing ? 'Updating' : 'Creating', () => {
          deployment.properties.provisioningState = failure
            ? 'Failed'
            : 'Succeeded';
          if (failure) logs.set(key, failure);
        });
        return [existing ? 200 : 201, deployment];
      },
    ),
    arm(
      'DeleteDeployment',
      'DELETE',
      '/onlineEndpoints/([^/]+)/deployments/([^/]+)',
      ([e, d]) => {
        const key = `${e}/${d}`;
        const deployment = findDeployment(key);
        if ((findEndpoint(e).properties.traffic?.[d] ?? 0) > 0) {
          raise(400, 'UserError', `Deployment ${d} still has traffic.`);
        }
        return startDeleting('od', key, deployment, () =>
          deployments.delete(key),
        );
      },
    ),
    arm(
      'GetDeploymentLogs',
      'POST',
      '/onlineEndpoints/([^/]+)/deployments/([^/]+)/getLogs',
      ([e, d], { containerType, tail }) => {
        findDeployment(`${e}/${d}`);
        if (containerType !== 'InferenceServer') {
          raise(
            400,
            'UserError',
            `Unsupported container type ${containerType}.`,
          );
        }
        const lines = (logs.get(`${e}/${d}`) ?? '').split('\n');
        return [200, { content: lines.slice(-tail).join('\n') }];
      },
    ),
    arm(
      'PutModelVersion',
      'PUT',
      '/models/([^/]+)/versions/([^/]+)',
      ([name, version], { properties }) => {
        const key = `${name}/${version}`;
        const existing = models.get(key);
        if (
          existing &&
          JSON.stringify(existing.properties) !== JSON.stringify(properties)
        ) {
          raise(409, 'UserError', `Model ${key} exists with other properties.`);
        }
        if (!properties?.modelUri)
          raise(400, 'UserError', 'modelUri is required.');
        const model = {
          id: `${workspaceId}/models/${key}`,
          name: version,
          properties,
        };
        models.set(key, model);
        return [existing ? 200 : 201, model];
      },
    ),
    {
      operation: 'GetServingOperation',
      method: 'GET',
      path: /^\/subscriptions\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/mfeOperationResults\/o[de]:([^/]+)$/,
      arm: true,
      handle: ([key]) =>
        pending.has(key) ? [202, {}, { 'retry-after': '0' }] : [200, {}],
    },
  ];

  return {
    endpoints,
    deployments,
    models,
    routes,
    holdProvisioning() {
      hold = true;
    },
    settle() {
      hold = false;
      for (const [key, done] of [...pending]) {
        pending.delete(key);
        done();
      }
    },
    failNextDeployment(serverLogs) {
      nextFailure = serverLogs;
    },
  };
}
