type Json = Record<string, any>;

/**
 * The serving half of the FAKE SageMaker server (see `startFakeSageMakerServer`), for
 * tests only: models, endpoint configs, endpoints and batch transform jobs in memory,
 * answered with the shapes and error messages SageMaker uses. Endpoints move only on
 * `setEndpointStatus` and transform jobs on `updateTransformJob`; a deleted endpoint is
 * gone at once (SageMaker shows `Deleting` first); tags are kept on the stored resource.
 */
export type FakeSageMakerServing = {
  models: Map<string, Json>;
  endpointConfigs: Map<string, Json>;
  endpoints: Map<string, Json>;
  transformJobs: Map<string, Json>;
  /**
   * Moves an endpoint as SageMaker would: `InService` finishes the rollout (the pending
   * config becomes the endpoint's, desired weights and counts become current).
   */
  setEndpointStatus(name: string, status: string, failureReason?: string): void;
  /** Fails the update rolling out: SageMaker rolls back and keeps serving, with the reason. */
  failUpdate(name: string, failureReason: string): void;
  updateTransformJob(name: string, fields: Json): void;
};

const now = () => Date.now() / 1000;
const ARN_KINDS: Record<string, string> = {
  model: 'model',
  'endpoint configuration': 'endpoint-config',
  endpoint: 'endpoint',
  'transform job': 'transform-job',
};
const arn = (kind: string, name: string) =>
  `arn:aws:sagemaker:us-east-1:123456789012:${
    ARN_KINDS[kind]
  }/${name.toLowerCase()}`;

export function createFakeSageMakerServing(
  raise: (type: string, message: string) => never,
): {
  state: FakeSageMakerServing;
  operations: Record<string, (body: Json) => Json>;
} {
  const models = new Map<string, Json>();
  const endpointConfigs = new Map<string, Json>();
  const endpoints = new Map<string, Json>();
  const transformJobs = new Map<string, Json>();

  const find = (map: Map<string, Json>, kind: string, name: string): Json =>
    map.get(name) ??
    raise(
      'ValidationException',
      `Could not find ${kind} "${arn(kind, name)}".`,
    );
  const create = (
    map: Map<string, Json>,
    kind: string,
    name: string,
    value: Json,
  ) => {
    if (map.has(name)) {
      raise(
        'ValidationException',
        `Cannot create already existing ${kind} "${arn(
          kind.replace(/ /g, '-'),
          name,
        )}".`,
      );
    }
    map.set(name, { ...value, CreationTime: now() });
  };
  /** The variants of a config as an endpoint rolling it out reports them. */
  const desiredVariants = (configName: string) =>
    find(
      endpointConfigs,
      'endpoint configuration',
      configName,
    ).ProductionVariants.map((v: Json) => ({
      VariantName: v.VariantName,
      DesiredWeight: v.InitialVariantWeight,
      ...(v.ServerlessConfig
        ? { DesiredServerlessConfig: v.ServerlessConfig }
        : { DesiredInstanceCount: v.InitialInstanceCount }),
      VariantStatus: [
        {
          Status: 'Creating',
          StatusMessage: 'Launching instances',
          StartTime: now(),
        },
      ],
    }));
  const checkModels = (variants: Json[]) =>
    variants.forEach(v => find(models, 'model', v.ModelName));

  const operations: Record<string, (body: Json) => Json> = {
    CreateModel(body) {
      create(models, 'model', body.ModelName, {
        ...body,
        ModelArn: arn('model', body.ModelName),
      });
      return { ModelArn: arn('model', body.ModelName) };
    },
    DescribeModel: ({ ModelName }) => find(models, 'model', ModelName),
    DeleteModel({ ModelName }) {
      find(models, 'model', ModelName);
      models.delete(ModelName);
      return {};
    },
    CreateEndpointConfig(body) {
      checkModels(body.ProductionVariants);
      const configArn = arn('endpoint configuration', body.EndpointConfigName);
      create(
        endpointConfigs,
        'endpoint configuration',
        body.EndpointConfigName,
        {
          ...body,
          EndpointConfigArn: configArn,
        },
      );
      return { EndpointConfigArn: configArn };
    },
    DescribeEndpointConfig: ({ EndpointConfigName }) =>
      find(endpointConfigs, 'endpoint configuration', EndpointConfigName),
    DeleteEndpointConfig({ EndpointConfigName }) {
      find(endpointConfigs, 'endpoint configuration', EndpointConfigName);
      endpointConfigs.delete(EndpointConfigName);
      return {};
    },
    ListEndpointConfigs({ NameContains = '', MaxResults = 10, NextToken }) {
      const all = [...endpointConfigs.values()].filter(c =>
        c.EndpointConfigName.includes(NameContains),
      );
      const start = Number(NextToken ?? 0);
      const page = all.slice(start, start + MaxResults);
      return {
        EndpointConfigs: page.map(c => ({
          EndpointConfigName: c.EndpointConfigName,
          EndpointConfigArn: c.EndpointConfigArn,
          CreationTime: c.CreationTime,
        })),
        ...(start + MaxResults < all.length && {
          NextToken: String(start + MaxResults),
        }),
      };
    },
    CreateEndpoint({ EndpointName, EndpointConfigName, Tags }) {
      const endpointArn = arn('endpoint', EndpointName);
      create(endpoints, 'endpoint', EndpointName, {
        EndpointName,
        EndpointArn: endpointArn,
        EndpointConfigName,
        EndpointStatus: 'Creating',
        ProductionVariants: desiredVariants(EndpointConfigName),
        Tags,
      });
      return { EndpointArn: endpointArn };
    },
    DescribeEndpoint({ EndpointName }) {
      const { Tags, ...endpoint } = find(endpoints, 'endpoint', EndpointName);
      return { ...endpoint, LastModifiedTime: now() };
    },
    UpdateEndpoint({ EndpointName, EndpointConfigName }) {
      const endpoint = find(endpoints, 'endpoint', EndpointName);
      if (!/^(InService|Failed)$/.test(endpoint.EndpointStatus)) {
        raise(
          'ValidationException',
          `Cannot update in-progress endpoint "${endpoint.EndpointArn}".`,
        );
      }
      endpoint.PendingDeploymentSummary = {
        EndpointConfigName,
        ProductionVariants: desiredVariants(EndpointConfigName),
        StartTime: now(),
      };
      endpoint.EndpointStatus = 'Updating';
      delete endpoint.FailureReason;
      return { EndpointArn: endpoint.EndpointArn };
    },
    UpdateEndpointWeightsAndCapacities({
      EndpointName,
      DesiredWeightsAndCapacities,
    }) {
      const endpoint = find(endpoints, 'endpoint', EndpointName);
      if (endpoint.EndpointStatus !== 'InService') {
        raise(
          'ValidationException',
          `Cannot update in-progress endpoint "${endpoint.EndpointArn}".`,
        );
      }
      for (const change of DesiredWeightsAndCapacities) {
        const variant =
          endpoint.ProductionVariants.find(
            (v: Json) => v.VariantName === change.VariantName,
          ) ??
          raise(
            'ValidationException',
            `The variant name(s) "[${change.VariantName}]" is/are not present.`,
          );
        variant.DesiredWeight = change.DesiredWeight ?? variant.DesiredWeight;
        variant.DesiredInstanceCount =
          change.DesiredInstanceCount ?? variant.DesiredInstanceCount;
      }
      endpoint.EndpointStatus = 'Updating';
      return { EndpointArn: endpoint.EndpointArn };
    },
    DeleteEndpoint({ EndpointName }) {
      find(endpoints, 'endpoint', EndpointName);
      endpoints.delete(EndpointName);
      return {};
    },
    CreateTransformJob(body) {
      const jobArn = arn('transform job', body.TransformJobName);
      if (transformJobs.has(body.TransformJobName)) {
        raise(
          'ResourceInUse',
          `Job name ${body.TransformJobName} already exists`,
        );
      }
      find(models, 'model', body.ModelName);
      const { Tags, ...spec } = body;
      transformJobs.set(body.TransformJobName, {
        ...spec,
        TransformJobArn: jobArn,
        TransformJobStatus: 'InProgress',
        CreationTime: now(),
      });
      return { TransformJobArn: jobArn };
    },
    DescribeTransformJob: ({ TransformJobName }) =>
      transformJobs.get(TransformJobName) ??
      raise(
        'ValidationException',
        `Could not find requested job with name ${TransformJobName}`,
      ),
  };

  const state: FakeSageMakerServing = {
    models,
    endpointConfigs,
    endpoints,
    transformJobs,
    setEndpointStatus(name, status, failureReason) {
      const endpoint = find(endpoints, 'endpoint', name);
      endpoint.EndpointStatus = status;
      if (failureReason) endpoint.FailureReason = failureReason;
      if (status !== 'InService') return;
      const pending = endpoint.PendingDeploymentSummary;
      if (pending) {
        endpoint.EndpointConfigName = pending.EndpointConfigName;
        endpoint.ProductionVariants = pending.ProductionVariants;
        delete endpoint.PendingDeploymentSummary;
      }
      for (const variant of endpoint.ProductionVariants) {
        variant.CurrentWeight = variant.DesiredWeight;
        if (variant.DesiredInstanceCount !== undefined) {
          variant.CurrentInstanceCount = variant.DesiredInstanceCount;
        }
        if (variant.DesiredServerlessConfig) {
          variant.CurrentServerlessConfig = variant.DesiredServerlessConfig;
        }
        variant.VariantStatus = [];
      }
    },
    failUpdate(name, failureReason) {
      const endpoint = find(endpoints, 'endpoint', name);
      delete endpoint.PendingDeploymentSummary;
      endpoint.EndpointStatus = 'InService';
      endpoint.FailureReason = failureReason;
    },
    updateTransformJob(name, fields) {
      Object.assign(
        transformJobs.get(name) ??
          raise('ValidationException', `No job ${name}`),
        fields,
      );
    },
  };
  return { state, operations };
}
