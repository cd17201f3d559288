/**
 * Catalog backend module that publishes the ML platform's registered models, feature
 * views and datasets as `Resource` entities, related by lineage.
 *
 * @packageDocumentation
 */
export { catalogModuleMlAssets as default } from './module';
export { MlAssetEntityProvider } from './MlAssetEntityProvider';
export { MlModelRelationProcessor } from './MlModelRelationProcessor';
