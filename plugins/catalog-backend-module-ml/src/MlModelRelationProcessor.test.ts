import { Entity } from '@backstage/catalog-model';
import { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { assetEntityName } from '@ml-portal/plugin-ml-common';
import { assetToEntity } from './assetEntities';
import { MlModelRelationProcessor } from './MlModelRelationProcessor';
import { mlAsset } from './__testUtils__';

const location = { type: 'url', target: 'http://git.test/catalog-info.yaml' };

function component(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'churn-scoring', namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'group:ml-team' },
  };
}

async function process(entity: Entity): Promise<CatalogProcessorResult[]> {
  const emitted: CatalogProcessorResult[] = [];
  const result = await new MlModelRelationProcessor().postProcessEntity(
    entity,
    location,
    r => emitted.push(r),
  );
  expect(result).toBe(entity);
  return emitted;
}

describe('MlModelRelationProcessor', () => {
  it('relates an annotated component to its model Resource both ways', async () => {
    const emitted = await process(
      component({ 'ml.platform/model': 'churn-classifier' }),
    );

    const self = {
      kind: 'Component',
      namespace: 'default',
      name: 'churn-scoring',
    };
    const model = {
      kind: 'resource',
      namespace: 'default',
      name: 'model-churn-classifier',
    };
    expect(emitted).toEqual([
      {
        type: 'relation',
        relation: { source: self, type: 'dependsOn', target: model },
      },
      {
        type: 'relation',
        relation: { source: model, type: 'dependencyOf', target: self },
      },
    ]);
  });

  it('names the model entity as the ml backend does, long names included', async () => {
    const longName = `Churn Classifier/${'x'.repeat(80)}`;
    const [dependsOn] = await process(
      component({ 'ml.platform/model': longName }),
    );

    expect(dependsOn).toMatchObject({
      relation: {
        target: { name: assetEntityName('ml-model', longName) },
      },
    });
    expect(assetEntityName('ml-model', longName)).toMatch(
      /^model-churn-classifier-x+--[0-9a-f]{16}$/,
    );
  });

  it('relates each of two models whose names normalise alike to its own Resource', async () => {
    const targets = [];
    for (const modelName of ['audit-probe-m', ' Audit.Probe.M']) {
      const [dependsOn] = await process(
        component({ 'ml.platform/model': modelName }),
      );
      const published = assetToEntity(
        mlAsset({
          entityName: assetEntityName('ml-model', modelName),
          title: modelName,
          annotations: { 'ml.platform/model': modelName },
        }),
        { appBaseUrl: 'http://portal.test', mlBaseUrl: 'http://ml.test' },
      );
      expect(dependsOn).toMatchObject({
        relation: { target: { name: published.metadata.name } },
      });
      targets.push(published.metadata.name);
    }
    expect(targets[0]).toBe('model-audit-probe-m');
    expect(targets[1]).toMatch(/^model-audit-probe-m--[0-9a-f]{16}$/);
  });

  it('emits nothing for the published model Resource, which carries the annotation too', async () => {
    const published = assetToEntity(
      mlAsset({
        entityName: assetEntityName('ml-model', 'Churn Classifier'),
        title: 'Churn Classifier',
        annotations: { 'ml.platform/model': 'Churn Classifier' },
      }),
      { appBaseUrl: 'http://portal.test', mlBaseUrl: 'http://ml.test' },
    );

    expect(await process(published)).toEqual([]);
  });

  it('emits nothing for entities without the annotation or with one that names no model', async () => {
    expect(await process(component())).toEqual([]);
    expect(await process(component({ 'ml.platform/model': '  ' }))).toEqual([]);
    expect(
      await process(component({ 'ml.platform/model': 'm'.repeat(257) })),
    ).toEqual([]);
  });
});
