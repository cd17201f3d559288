import { ConfigReader } from '@backstage/config';
import { readKubernetesServingSettings, servingFlavor } from './servingConfig';

function settings(kubernetes: object) {
  return readKubernetesServingSettings(
    new ConfigReader({ ml: { serving: { targets: { kubernetes } } } }),
  );
}

describe('readKubernetesServingSettings', () => {
  it('is undefined when the serving target is not configured', () => {
    expect(
      readKubernetesServingSettings(
        new ConfigReader({
          ml: { targets: { kubernetes: { namespace: 'a' } } },
        }),
      ),
    ).toBeUndefined();
  });

  it('reads the settings, with defaults', () => {
    expect(settings({ namespace: 'ml-serving' })).toEqual({
      namespace: 'ml-serving',
      inCluster: false,
      configKey: 'ml.serving.targets.kubernetes',
      mode: 'auto',
      flavors: {},
      cpu: '1',
      memory: '2Gi',
      port: 8080,
      cpuTargetUtilization: 70,
    });
    const configured = {
      namespace: 'ml',
      context: 'prod',
      mode: 'deployment',
      serviceAccountName: 'model-server',
      cpu: '500m',
      memory: '4Gi',
      port: 5000,
      concurrencyMetric: 'requests_in_flight',
    };
    expect(
      settings({
        ...configured,
        flavors: {
          sklearn: { modelFormat: 'sklearn', runtime: 'kserve-sklearnserver' },
          python_function: { image: 'ghcr.io/acme/pyfunc:1' },
        },
      }),
    ).toMatchObject({
      ...configured,
      flavors: {
        sklearn: { modelFormat: 'sklearn', runtime: 'kserve-sklearnserver' },
        python_function: {
          modelFormat: 'mlflow',
          protocolVersion: 'v2',
          image: 'ghcr.io/acme/pyfunc:1',
        },
      },
    });
  });

  it.each([
    [
      {},
      "Missing required config value at 'ml.serving.targets.kubernetes.namespace'",
    ],
    [
      { namespace: 'ml', mode: 'knative' },
      'mode must be one of kserve, deployment, auto',
    ],
    [
      { namespace: 'ml', inCluster: true, kubeconfigPath: '/k' },
      'ml.serving.targets.kubernetes.inCluster cannot be combined',
    ],
    [{ namespace: 'ml', cpu: 'lots' }, 'cpu must be a Kubernetes quantity'],
    [{ namespace: 'ml', port: 70000 }, 'port must be a port number'],
    [{ namespace: 'ml', cpuTargetUtilization: 0 }, 'a percentage'],
    [
      { namespace: 'ml', flavors: { sklearn: { modelFormat: 'sk learn' } } },
      'flavors.sklearn.modelFormat',
    ],
    [
      { namespace: 'ml', flavors: { sklearn: { runtime: 'Runtime_1' } } },
      'ServingRuntime name',
    ],
    [
      { namespace: 'ml', flavors: { onnx: { protocolVersion: 'v3' } } },
      'protocolVersion must be one of',
    ],
  ])('rejects %o', (kubernetes, message) => {
    expect(() => settings(kubernetes)).toThrow(message);
  });
});

describe('servingFlavor', () => {
  it('falls back to the python_function entry, then to KServe mlflow v2', () => {
    const configured = settings({
      namespace: 'ml',
      flavors: {
        sklearn: { modelFormat: 'sklearn' },
        python_function: { modelFormat: 'mlflow', runtime: 'mlserver-pinned' },
      },
    })!;
    expect(servingFlavor(configured, 'sklearn').modelFormat).toBe('sklearn');
    expect(servingFlavor(configured, 'xgboost').runtime).toBe(
      'mlserver-pinned',
    );
    expect(servingFlavor(configured, 'constructor').runtime).toBe(
      'mlserver-pinned',
    );
    expect(servingFlavor({ flavors: {} }, undefined)).toEqual({
      modelFormat: 'mlflow',
      protocolVersion: 'v2',
    });
  });
});
