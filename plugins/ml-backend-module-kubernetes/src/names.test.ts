import { toKubernetesJobName, toLabelValue } from './names';

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
