import {
  createPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * Resource types the ml plugin's permission rules apply to. Each resource has an owner
 * group (a Backstage group entity ref) that owner-based conditional rules match on.
 *
 * @public
 */
export const ML_EXPERIMENT_RESOURCE_TYPE = 'ml-experiment';

/** @public */
export type MlExperimentPermission = ResourcePermission<
  typeof ML_EXPERIMENT_RESOURCE_TYPE
>;

/** Read an experiment and its runs. @public */
export const mlExperimentReadPermission = createPermission({
  name: 'ml.experiment.read',
  attributes: { action: 'read' },
  resourceType: ML_EXPERIMENT_RESOURCE_TYPE,
});

/** Create an experiment (checked without a resource: the owner is the caller's group). @public */
export const mlExperimentCreatePermission = createPermission({
  name: 'ml.experiment.create',
  attributes: { action: 'create' },
});

/** Update an experiment or log to its runs. @public */
export const mlExperimentUpdatePermission = createPermission({
  name: 'ml.experiment.update',
  attributes: { action: 'update' },
  resourceType: ML_EXPERIMENT_RESOURCE_TYPE,
});

/** Delete or restore an experiment or its runs. @public */
export const mlExperimentDeletePermission = createPermission({
  name: 'ml.experiment.delete',
  attributes: { action: 'delete' },
  resourceType: ML_EXPERIMENT_RESOURCE_TYPE,
});

/** Every permission of the ml plugin, for registration with the permission service. @public */
export const mlPermissions = [
  mlExperimentReadPermission,
  mlExperimentCreatePermission,
  mlExperimentUpdatePermission,
  mlExperimentDeletePermission,
];
