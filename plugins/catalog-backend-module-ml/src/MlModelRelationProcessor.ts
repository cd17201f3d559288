import {
  CompoundEntityRef,
  DEFAULT_NAMESPACE,
  Entity,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  ML_MODEL_ANNOTATION,
  assetEntityName,
} from '@ml-portal/plugin-ml-common';

/** The ml backend's limit on registered model names; longer ones name no model. */
const MAX_MODEL_NAME = 256;

/**
 * The model `Resource` an entity's `ml.platform/model` annotation points at, or undefined
 * when the annotation is absent or cannot name a registered model.
 */
function annotatedModelRef(entity: Entity): CompoundEntityRef | undefined {
  const modelName = entity.metadata.annotations?.[ML_MODEL_ANNOTATION];
  if (
    typeof modelName !== 'string' ||
    modelName.trim() === '' ||
    modelName.length > MAX_MODEL_NAME
  ) {
    return undefined;
  }
  return {
    kind: 'resource',
    namespace: DEFAULT_NAMESPACE,
    name: assetEntityName('ml-model', modelName),
  };
}

/** Entity refs compare case-insensitively in the catalog. */
function sameRef(a: CompoundEntityRef, b: CompoundEntityRef): boolean {
  return (
    stringifyEntityRef(a).toLocaleLowerCase('en-US') ===
    stringifyEntityRef(b).toLocaleLowerCase('en-US')
  );
}

/**
 * Relates every entity annotated `ml.platform/model: <name>` (a service that serves the
 * model, a pipeline that trains it) to the model's `Resource` published by
 * {@link MlAssetEntityProvider}: `dependsOn` from the entity, `dependencyOf` back, so the
 * catalog graph links services to the models they run.
 *
 * @public
 */
export class MlModelRelationProcessor implements CatalogProcessor {
  getProcessorName(): string {
    return 'MlModelRelationProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const modelRef = annotatedModelRef(entity);
    if (!modelRef) return entity;
    const selfRef = getCompoundEntityRef(entity);
    // The published model Resource carries the annotation too; it must not depend on itself.
    if (sameRef(selfRef, modelRef)) return entity;

    emit(
      processingResult.relation({
        source: selfRef,
        type: RELATION_DEPENDS_ON,
        target: modelRef,
      }),
    );
    emit(
      processingResult.relation({
        source: modelRef,
        type: RELATION_DEPENDENCY_OF,
        target: selfRef,
      }),
    );
    return entity;
  }
}
