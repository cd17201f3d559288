/**
 * The ml backend plugin.
 *
 * @packageDocumentation
 */
export { mlPlugin as default } from './plugin';
export { mlModuleLocalComputeTarget } from './training/localTargetModule';
export { mlModuleLocalServingTarget } from './deployments/local/localServingModule';
export {
  isMlResourcePermission,
  mlResources,
  ownedByDecision,
} from './shared/ownerRules';
export type { OwnedResource, OwnerQuery } from './shared/ownerRules';
export {
  decideTenancy,
  MlTenancyPolicy,
  readTenancySettings,
} from './shared/tenancy';
export type { TenancyDecision, TenancySettings } from './shared/tenancy';
