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

/**
 * Registered models of the model registry; like experiments, each is owned by a group
 * (its creator's). Approving promotions is not a permission: who approves is registry
 * policy (the owner group and the configured approver group).
 *
 * @public
 */
export const ML_MODEL_RESOURCE_TYPE = 'ml-model';

/** @public */
export type MlModelPermission = ResourcePermission<
  typeof ML_MODEL_RESOURCE_TYPE
>;

/** Read a registered model, its versions and its audit trail. @public */
export const mlModelReadPermission = createPermission({
  name: 'ml.model.read',
  attributes: { action: 'read' },
  resourceType: ML_MODEL_RESOURCE_TYPE,
});

/** Register a new model (checked without a resource: the owner is the caller's group). @public */
export const mlModelCreatePermission = createPermission({
  name: 'ml.model.create',
  attributes: { action: 'create' },
});

/**
 * Change a registered model: rename it, edit descriptions and tags, add versions, move
 * stages and unprotected aliases.
 *
 * @public
 */
export const mlModelUpdatePermission = createPermission({
  name: 'ml.model.update',
  attributes: { action: 'update' },
  resourceType: ML_MODEL_RESOURCE_TYPE,
});

/** Delete a registered model or one of its versions. @public */
export const mlModelDeletePermission = createPermission({
  name: 'ml.model.delete',
  attributes: { action: 'delete' },
  resourceType: ML_MODEL_RESOURCE_TYPE,
});

/**
 * Import a Feast registry into the feature catalog by upload (scheduled imports from
 * config need none): an import can mark a project's views removed, so policies may keep
 * it to platform teams.
 *
 * @public
 */
export const mlFeatureImportPermission = createPermission({
  name: 'ml.feature.import',
  attributes: { action: 'create' },
});

/** Every permission of the ml plugin, for registration with the permission service. @public */
export const mlPermissions = [
  mlExperimentReadPermission,
  mlExperimentCreatePermission,
  mlExperimentUpdatePermission,
  mlExperimentDeletePermission,
  mlModelReadPermission,
  mlModelCreatePermission,
  mlModelUpdatePermission,
  mlModelDeletePermission,
  mlFeatureImportPermission,
];
