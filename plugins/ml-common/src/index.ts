/**
 * Isomorphic types, permissions and catalog conventions of the ML platform.
 *
 * @packageDocumentation
 */
export * from './permissions';
export * from './health';
export * from './catalog';
export * from './tracking';
export * from './training';
export * from './cost';
export * from './registry';
export * from './lineage';
export * from './features';
export * from './deployments';
export * from './notifications';
export * from './monitoring';
export * from './readiness';
export type {
  paths as MlApiPaths,
  components as MlApiComponents,
  operations as MlApiOperations,
} from './generated/openapi';
