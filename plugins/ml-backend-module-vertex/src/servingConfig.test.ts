import { ConfigReader } from '@backstage/config';
import { readVertexServingSettings } from './servingConfig';

type ConfigData = ConstructorParameters<typeof ConfigReader>[0];

const read = (vertex: ConfigData) =>
  readVertexServingSettings(
    new ConfigReader({ ml: { serving: { targets: { vertex } } } }),
  );

describe('readVertexServingSettings', () => {
  it('is undefined when the section is absent', () => {
    expect(readVertexServingSettings(new ConfigReader({}))).toBeUndefined();
  });

  it('reads the section with the compute target defaults for project and endpoint', () => {
    expect(
      read({
        project: 'ml-serving-prod',
        location: 'us-central1',
        images: {
          python_function: 'us-docker.pkg.dev/p/serving/pyfunc:1',
          sklearn: `us-docker.pkg.dev/p/serving/sklearn@sha256:${'a'.repeat(
            64,
          )}`,
        },
        acceleratorType: 'NVIDIA_TESLA_T4',
      }),
    ).toEqual({
      project: 'ml-serving-prod',
      location: 'us-central1',
      apiEndpoint: {
        host: 'us-central1-aiplatform.googleapis.com',
        port: 443,
        protocol: 'https',
      },
      images: {
        python_function: 'us-docker.pkg.dev/p/serving/pyfunc:1',
        sklearn: `us-docker.pkg.dev/p/serving/sklearn@sha256:${'a'.repeat(64)}`,
      },
      machineType: undefined,
      acceleratorType: 'NVIDIA_TESLA_T4',
      predictRoute: '/invocations',
      healthRoute: '/ping',
      port: 8080,
      serviceAccount: undefined,
      operationTimeoutSeconds: 3600,
    });
  });

  it.each([
    [{ project: 'X', location: 'us-central1' }, /project must be/],
    [{ project: 'ml-serving-prod', location: 'mars' }, /location must be/],
    [
      {
        project: 'ml-serving-prod',
        location: 'us-central1',
        acceleratorType: 'NVIDIA_GTX_1080',
      },
      /acceleratorType must be a Vertex AI accelerator type/,
    ],
    [
      { project: 'ml-serving-prod', location: 'us-central1', port: 0 },
      /port must be a whole number from 1 to 65535/,
    ],
    [
      {
        project: 'ml-serving-prod',
        location: 'us-central1',
        predictRoute: 'predict',
      },
      /predictRoute must be a path/,
    ],
    [
      {
        project: 'ml-serving-prod',
        location: 'us-central1',
        images: { python_function: 'pyfunc' },
      },
      /images\.python_function must be a container image/,
    ],
  ])('refuses invalid settings %#', (vertex, message) => {
    expect(() => read(vertex)).toThrow(message);
  });
});
