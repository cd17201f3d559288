import { ModelVersion } from '@ml-portal/plugin-ml-common';
import {
  aliasProblem,
  featuredVersion,
  modelSearchFilter,
  newestFirst,
} from './registryFormat';
import { makeVersion } from './testData';

describe('modelSearchFilter', () => {
  it('searches names containing what was typed', () => {
    expect(modelSearchFilter('  churn ')).toBe("name LIKE '%churn%'");
    expect(modelSearchFilter('')).toBeUndefined();
    expect(modelSearchFilter('   ')).toBeUndefined();
  });

  it('quotes names holding quotes the way the MLflow parser reads them', () => {
    expect(modelSearchFilter("o'neil")).toBe(`name LIKE "%o'neil%"`);
    expect(modelSearchFilter(`o'neil "x"`)).toBe(`name LIKE "%o'neil x%"`);
  });

  it('passes a filter expression on as typed', () => {
    expect(modelSearchFilter("tags.team = 'growth'")).toBe(
      "tags.team = 'growth'",
    );
    expect(modelSearchFilter("name LIKE 'churn%'")).toBe("name LIKE 'churn%'");
    expect(modelSearchFilter("tags.`data set`='trips'")).toBe(
      "tags.`data set`='trips'",
    );
    expect(modelSearchFilter('name like me')).toBe('name like me');
    // A name that merely starts with "name" is a name.
    expect(modelSearchFilter('names')).toBe("name LIKE '%names%'");
    expect(modelSearchFilter('namelike')).toBe("name LIKE '%namelike%'");
  });
});

describe('versions', () => {
  const versions: ModelVersion[] = ['2', '10', '9'].map(v =>
    makeVersion({ version: v }),
  );

  it('sorts version numbers as numbers', () => {
    expect(newestFirst(versions).map(v => v.version)).toEqual(['10', '9', '2']);
  });

  it('features the production alias, else the Production stage, else the newest', () => {
    const staged = versions.map(v =>
      v.version === '2' ? { ...v, currentStage: 'Production' as const } : v,
    );
    expect(
      featuredVersion([{ alias: 'production', version: '9' }], staged)?.version,
    ).toBe('9');
    expect(featuredVersion([], staged)?.version).toBe('2');
    expect(featuredVersion([], versions)?.version).toBe('10');
    expect(featuredVersion([], [])).toBeUndefined();
  });
});

describe('aliasProblem', () => {
  it('accepts MLflow alias names and rejects reserved or odd ones', () => {
    expect(aliasProblem('production')).toBeUndefined();
    expect(aliasProblem('canary-eu_2')).toBeUndefined();
    expect(aliasProblem('')).toMatch(/Name the alias/);
    expect(aliasProblem('latest')).toMatch(/reserved/);
    expect(aliasProblem('v3')).toMatch(/reserved/);
    expect(aliasProblem('prod uction')).toMatch(/Letters, digits/);
  });
});
