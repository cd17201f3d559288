import {
  toDeploymentResourceName,
  toEndpointResourceName,
  toKubernetesJobName,
  toLabelValue,
} from './names';

describe('toKubernetesJobName', () => {
  it('keeps names that are DNS-1123 labels', () => {
    expect(toKubernetesJobName('ml-0123456789abcdef0123')).toBe(
      'ml-0123456789abcdef0123',
    );
    expect(toKubernetesJobName('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it('normalises other names deterministically, without collisions', () => {
    const name = toKubernetesJobName('Train/ResNet_50');
    expect(name).toMatch(/^train-resnet-50-[0-9a-f]{8}$/);
    expect(toKubernetesJobName('Train/ResNet_50')).toBe(name);
    // Lower-casing alone would make these two the same name.
    expect(toKubernetesJobName('Train')).not.toBe(toKubernetesJobName('train'));
  });

  it.each(['a'.repeat(64), '-leading', 'trailing-', '___', 'x'.repeat(200)])(
    'makes %s a valid Job name',
    value => {
      const name = toKubernetesJobName(value);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    },
  );
});

describe('toLabelValue', () => {
  it('keeps valid label values, case and dots included', () => {
    expect(toLabelValue('A100.spot_us-east-1')).toBe('A100.spot_us-east-1');
    expect(toLabelValue('')).toBe('');
  });

  it('normalises invalid ones', () => {
    const value = toLabelValue('gpu pool/A100 (spot)');
    expect(value).toMatch(/^gpu-pool-A100-spot-[0-9a-f]{8}$/);
    expect(toLabelValue('v'.repeat(80))).toHaveLength(63);
  });
});

describe('toEndpointResourceName and toDeploymentResourceName', () => {
  const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

  it('keep names that are short DNS-1035 labels', () => {
    expect(toEndpointResourceName('fraud-scorer')).toBe('fraud-scorer');
    expect(toDeploymentResourceName('fraud-scorer-v3')).toBe('fraud-scorer-v3');
  });

  it.each(['3d-detector', 'Fraud_Scorer', 'x'.repeat(60), '-edge-', '42'])(
    'make %s a valid name, deterministically and without collisions',
    value => {
      const endpoint = toEndpointResourceName(value);
      expect(endpoint).toMatch(DNS1035);
      // Room for KServe's `-predictor-00001` suffixes.
      expect(endpoint.length).toBeLessThanOrEqual(45);
      expect(toEndpointResourceName(value)).toBe(endpoint);
      const deployment = toDeploymentResourceName(value);
      expect(deployment).toMatch(DNS1035);
      expect(deployment.length).toBeLessThanOrEqual(63);
    },
  );

  it('keeps names apart that differ only in case', () => {
    expect(toEndpointResourceName('Churn')).not.toBe(
      toEndpointResourceName('churn'),
    );
  });
});
