import { ConfigReader } from '@backstage/config';
import { readVertexTargetSettings } from './config';

const minimal = {
  project: 'ml-training-prod',
  location: 'europe-west4',
  baseOutputDirectory: 'gs://ml-output/jobs/',
};

function read(vertex?: object) {
  return readVertexTargetSettings(
    new ConfigReader(vertex ? { ml: { targets: { vertex } } } : {}),
  );
}

describe('readVertexTargetSettings', () => {
  it('is undefined without config', () => {
    expect(read()).toBeUndefined();
  });

  it('fills defaults: the regional endpoint, no service account or network', () => {
    expect(read(minimal)).toEqual({
      project: 'ml-training-prod',
      location: 'europe-west4',
      baseOutputDirectory: 'gs://ml-output/jobs',
      serviceAccount: undefined,
      network: undefined,
      apiEndpoint: {
        host: 'europe-west4-aiplatform.googleapis.com',
        port: 443,
        protocol: 'https',
      },
    });
  });

  it('reads the optional settings', () => {
    expect(
      read({
        ...minimal,
        serviceAccount: 'ml-training@ml-training-prod.iam.gserviceaccount.com',
        network: 'projects/123456789012/global/networks/ml-vpc',
        apiEndpoint: 'europe-west4-aiplatform-psc.p.googleapis.com',
      }),
    ).toMatchObject({
      serviceAccount: 'ml-training@ml-training-prod.iam.gserviceaccount.com',
      network: 'projects/123456789012/global/networks/ml-vpc',
      apiEndpoint: {
        host: 'europe-west4-aiplatform-psc.p.googleapis.com',
        port: 443,
        protocol: 'https',
      },
    });
  });

  it.each([
    ['https://vertex.internal:8443/', 'vertex.internal', 8443, 'https'],
    ['vertex.internal:8443', 'vertex.internal', 8443, 'https'],
    ['http://127.0.0.1:9090', '127.0.0.1', 9090, 'http'],
  ])('parses the endpoint %s', (apiEndpoint, host, port, protocol) => {
    expect(read({ ...minimal, apiEndpoint })?.apiEndpoint).toEqual({
      host,
      port,
      protocol,
    });
  });

  it.each([
    [{ project: 'ML_Project' }, 'project must be a Google Cloud project id'],
    [{ project: 'abc' }, 'project must be a Google Cloud project id'],
    [{ location: 'us-east-1' }, 'location must be a Vertex AI region'],
    [
      { baseOutputDirectory: 's3://bucket' },
      'baseOutputDirectory must be a gs://',
    ],
    [
      { serviceAccount: 'ml-training' },
      'serviceAccount must be a service account email',
    ],
    [{ network: 'ml-vpc' }, 'network must be a network name projects/'],
    [{ apiEndpoint: 'http://127.0.0.1' }, 'apiEndpoint must be host[:port]'],
    [
      { apiEndpoint: 'https://vertex.internal/v1' },
      'apiEndpoint must be host[:port]',
    ],
    [
      { apiEndpoint: 'vertex.internal:70000' },
      'apiEndpoint must be host[:port]',
    ],
  ])('refuses %j', (override, message) => {
    expect(() => read({ ...minimal, ...override })).toThrow(
      `ml.targets.vertex.${message}`,
    );
  });

  it('requires project, location and baseOutputDirectory', () => {
    expect(() => read({ location: 'europe-west4' })).toThrow(/project/);
  });
});
