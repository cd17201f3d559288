/**
 * The ml backend plugin.
 *
 * @packageDocumentation
 */
export { mlPlugin as default } from './plugin';
export {
  createExperimentConditionalDecision,
  experimentConditions,
  isExperimentOwner,
  mlExperimentPermissionResourceRef,
  mlExperimentRules,
} from './tracking/permissionRules';
export type { ExperimentOwnerQuery } from './tracking/permissionRules';
export {
  createModelConditionalDecision,
  isModelOwner,
  mlModelPermissionResourceRef,
  mlModelRules,
  modelConditions,
} from './registry/permissionRules';
export type { ModelOwnerQuery } from './registry/permissionRules';
