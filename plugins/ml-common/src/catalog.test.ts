import { assetEntityName, MlAssetType } from './catalog';

const TYPES: MlAssetType[] = [
  'ml-model',
  'feature-view',
  'dataset',
  'ml-endpoint',
  'ml-training-profile',
];

/** The catalog's rule for entity names (`KubernetesValidatorFunctions.isValidObjectName`). */
function isValidEntityName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 63 &&
    /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name)
  );
}

describe('assetEntityName', () => {
  it('keeps a name that is already a lowercase entity name as it is, after its type', () => {
    expect(assetEntityName('ml-model', 'churn-classifier')).toBe(
      'model-churn-classifier',
    );
    expect(assetEntityName('dataset', 'synthetic-churn-4f')).toBe(
      'dataset-synthetic-churn-4f',
    );
    expect(assetEntityName('dataset', 'trips_2024.v2')).toBe(
      'dataset-trips_2024.v2',
    );
    expect(assetEntityName('ml-model', 'x')).toBe('model-x');
    expect(assetEntityName('ml-endpoint', 'churn-live')).toBe(
      'endpoint-churn-live',
    );
  });

  it('hashes the exact name of every other name, after a readable slug', () => {
    expect(assetEntityName('ml-model', 'Churn Classifier/v2')).toMatch(
      /^model-churn-classifier-v2--[0-9a-f]{16}$/,
    );
    expect(assetEntityName('feature-view', 'shop/driver_stats')).toMatch(
      /^feature-view-shop-driver-stats--[0-9a-f]{16}$/,
    );
    // The slug is cut to leave room for the hash; the title keeps the whole name.
    expect(
      assetEntityName('feature-view', 'driver_ranking/driver_hourly_stats'),
    ).toMatch(/^feature-view-driver-ranking-driver-hourly-sta--[0-9a-f]{16}$/);
    for (const name of ['-x', 'x-', 'a--b', 'a_-b', 'a..b', '_', ' x', 'X']) {
      expect(assetEntityName('dataset', name)).toMatch(/--[0-9a-f]{16}$/);
    }
  });

  it('gives every asset that the old slug merged an entity of its own', () => {
    // All of these were `model-audit-probe-m`; the first in name order took it.
    const names = [
      'audit-probe-m',
      ' Audit.Probe.M',
      'Audit-Probe-M',
      'audit_probe_m',
      'audit.probe.m',
      'audit--probe--m',
      'audit probe m',
      'AUDIT-PROBE-M',
      'audit-probe-m ',
      'audit-probe-m\n',
      'audit/probe/m',
    ];
    const entityNames = names.map(name => assetEntityName('ml-model', name));
    expect(new Set(entityNames).size).toBe(names.length);
    // The plain name keeps the entity it always had.
    expect(entityNames[0]).toBe('model-audit-probe-m');
    // Entity refs compare case-insensitively: distinct in lowercase too.
    expect(new Set(entityNames.map(n => n.toLowerCase())).size).toBe(
      names.length,
    );
  });

  it('never gives a name another asset could have as its plain name', () => {
    // Someone registering the hashed form as a name gets a different entity.
    const hashed = assetEntityName('ml-model', ' Audit.Probe.M');
    const squatter = hashed.slice('model-'.length);
    expect(assetEntityName('ml-model', squatter)).not.toBe(hashed);
    expect(assetEntityName('ml-model', squatter)).toMatch(/--[0-9a-f]{16}$/);
  });

  it('keeps types apart, even for the same name', () => {
    const byType = TYPES.map(type => assetEntityName(type, 'Churn'));
    expect(new Set(byType).size).toBe(TYPES.length);
    // A model named like a feature view's entity stays a model.
    expect(assetEntityName('ml-model', 'view-x')).toBe('model-view-x');
    expect(assetEntityName('feature-view', 'x')).toBe('feature-view-x');
  });

  it('is stable: a function of the type and exact name alone, whatever else exists', () => {
    const before = assetEntityName('dataset', 'Trips');
    const others = ['trips', 'TRIPS', 'Trips ', 'trips-2'].map(name =>
      assetEntityName('dataset', name),
    );
    expect(others).not.toContain(before);
    expect(assetEntityName('dataset', 'Trips')).toBe(before);
    // Pinned, so a change of the scheme that would rename every entity shows up here.
    expect(assetEntityName('ml-model', ' Audit.Probe.M')).toBe(
      'model-audit-probe-m--f76301293716c897',
    );
  });

  it('stays within 63 characters, hashing names too long to keep', () => {
    const fits = `${'x'.repeat(57)}`; // model- + 57 = 63
    expect(assetEntityName('ml-model', fits)).toBe(`model-${fits}`);
    const tooLong = `${fits}y`;
    const long = assetEntityName('ml-model', tooLong);
    expect(long).toMatch(/^model-x+--[0-9a-f]{16}$/);
    expect(long.length).toBeLessThanOrEqual(63);

    const a = assetEntityName('feature-view', `${'x'.repeat(80)}-a`);
    const b = assetEntityName('feature-view', `${'x'.repeat(80)}-b`);
    expect(a).not.toBe(b);
    for (const name of [a, b, assetEntityName('dataset', '-'.repeat(500))]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(isValidEntityName(name)).toBe(true);
    }
  });

  it('makes valid entity names of exotic names, and tells them apart', () => {
    const names = [
      '',
      ' ',
      '日本語',
      '中文',
      'café', // precomposed é
      'cafe\u0301', // e + combining accent
      'Straße',
      'STRASSE',
      'a\uD800', // lone surrogates
      'a\uD801',
      '🙂',
      'a\u0000b',
      'a\u200Bb', // zero-width space
      '\u212Aelvin', // Kelvin sign
      'kelvin',
      '../../etc/passwd',
      'x'.repeat(10_000),
    ];
    for (const type of TYPES) {
      const entityNames = names.map(name => assetEntityName(type, name));
      for (const name of entityNames) {
        expect(name.length).toBeLessThanOrEqual(63);
        expect(isValidEntityName(name)).toBe(true);
        expect(name).toBe(name.toLowerCase());
      }
      expect(new Set(entityNames).size).toBe(names.length);
    }
    expect(assetEntityName('dataset', '日本語')).toMatch(
      /^dataset--[0-9a-f]{16}$/,
    );
  });
});
