import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { loadKubeConfig, readKubernetesTargetSettings } from './config';

function settings(kubernetes: object) {
  return readKubernetesTargetSettings(
    new ConfigReader({ ml: { targets: { kubernetes } } }),
  );
}

/** A kubeconfig with two contexts, one per cluster. */
function writeKubeconfig(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'dev', cluster: { server: 'https://dev.example:6443' } },
      { name: 'prod', cluster: { server: 'https://prod.example:6443' } },
    ],
    users: [{ name: 'ci', user: { token: 'not-a-real-token' } }],
    contexts: [
      { name: 'dev', context: { cluster: 'dev', user: 'ci' } },
      { name: 'prod', context: { cluster: 'prod', user: 'ci' } },
    ],
    'current-context': 'dev',
  };
  // JSON is YAML.
  writeFileSync(path, JSON.stringify(kubeconfig));
  return path;
}

describe('readKubernetesTargetSettings', () => {
  it('is undefined when the target is not configured', () => {
    expect(readKubernetesTargetSettings(new ConfigReader({}))).toBeUndefined();
  });

  it('reads the settings, with defaults', () => {
    expect(settings({ namespace: 'ml-training' })).toEqual({
      namespace: 'ml-training',
      inCluster: false,
      ttlSecondsAfterFinished: 3600,
      imagePullSecrets: [],
    });
    expect(
      settings({
        namespace: 'ml',
        kubeconfigPath: '/etc/kube/config',
        context: 'prod',
        serviceAccountName: 'trainer',
        ttlSecondsAfterFinished: 600,
        imagePullSecrets: ['ghcr-pull'],
      }),
    ).toMatchObject({
      kubeconfigPath: '/etc/kube/config',
      context: 'prod',
      serviceAccountName: 'trainer',
      ttlSecondsAfterFinished: 600,
      imagePullSecrets: ['ghcr-pull'],
    });
  });

  it.each([
    [{}, "Missing required config value at 'ml.targets.kubernetes.namespace'"],
    [{ namespace: 'ML_Training' }, 'must be a Kubernetes namespace name'],
    [{ namespace: 'ml', inCluster: true, context: 'x' }, 'cannot be combined'],
    [{ namespace: 'ml', ttlSecondsAfterFinished: -1 }, 'non-negative integer'],
    [{ namespace: 'ml', serviceAccountName: 'Trainer!' }, 'service account'],
    [{ namespace: 'ml', imagePullSecrets: ['a b'] }, 'Secret names'],
  ])('rejects %o', (kubernetes, message) => {
    expect(() => settings(kubernetes)).toThrow(message);
  });
});

describe('loadKubeConfig', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('loads kubeconfigPath and switches to the configured context', () => {
    const { kubeConfig, source } = loadKubeConfig(
      settings({
        namespace: 'ml',
        kubeconfigPath: writeKubeconfig(),
        context: 'prod',
      })!,
    );
    expect(source).toBe('file');
    expect(kubeConfig.getCurrentCluster()?.server).toBe(
      'https://prod.example:6443',
    );
  });

  it('falls back to the default chain (KUBECONFIG)', () => {
    process.env.KUBECONFIG = writeKubeconfig();
    const { kubeConfig, source } = loadKubeConfig(
      settings({ namespace: 'ml' })!,
    );
    expect(source).toBe('default');
    expect(kubeConfig.getCurrentCluster()?.server).toBe(
      'https://dev.example:6443',
    );
  });

  it('refuses a context the kubeconfig lacks', () => {
    expect(() =>
      loadKubeConfig(
        settings({
          namespace: 'ml',
          kubeconfigPath: writeKubeconfig(),
          context: 'staging',
        })!,
      ),
    ).toThrow("the kubeconfig has no context 'staging' (it has: dev, prod)");
  });

  it('refuses inCluster outside a pod', () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    expect(() =>
      loadKubeConfig(settings({ namespace: 'ml', inCluster: true })!),
    ).toThrow('does not run in a Kubernetes pod');
  });

  it('uses the pod service account in a cluster', () => {
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    const { kubeConfig, source } = loadKubeConfig(
      settings({ namespace: 'ml', inCluster: true })!,
    );
    expect(source).toBe('in-cluster');
    expect(kubeConfig.getCurrentCluster()?.server).toBe(
      'https://10.96.0.1:443',
    );
  });
});
