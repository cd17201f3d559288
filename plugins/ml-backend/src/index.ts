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
