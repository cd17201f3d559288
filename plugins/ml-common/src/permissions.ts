import {
  BasicPermission,
  createPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * The ml plugin's permissions. Every ML resource has an owner group (a Backstage group
 * entity ref); policies decide with one owner rule per resource type (the backend's
 * `IS_<TYPE>_OWNER` rules). Basic permissions are checked without a resource: creating
 * (the owner is one of the caller's groups) and platform-wide actions.
 */

/** An ML resource type and its permissions, one per action. */
function resourcePermissions<
  TType extends string,
  TAction extends 'read' | 'update' | 'delete',
>(resourceType: TType, name: string, actions: Record<string, TAction>) {
  return Object.fromEntries(
    Object.entries(actions).map(([verb, action]) => [
      verb,
      createPermission({
        name: `ml.${name}.${verb}`,
        attributes: { action },
        resourceType,
      }),
    ]),
  ) as Record<string, ResourcePermission<TType>>;
}

/** @public */
export const ML_EXPERIMENT_RESOURCE_TYPE = 'ml-experiment';
/** @public */
export type MlExperimentPermission = ResourcePermission<
  typeof ML_EXPERIMENT_RESOURCE_TYPE
>;
const experiment = resourcePermissions(
  ML_EXPERIMENT_RESOURCE_TYPE,
  'experiment',
  { read: 'read', update: 'update', delete: 'delete' },
);
/** Read an experiment and its runs. @public */
export const mlExperimentReadPermission: MlExperimentPermission =
  experiment.read;
/** Update an experiment or log to its runs. @public */
export const mlExperimentUpdatePermission: MlExperimentPermission =
  experiment.update;
/** Delete or restore an experiment or its runs. @public */
export const mlExperimentDeletePermission: MlExperimentPermission =
  experiment.delete;
/** Create an experiment, owned by one of the caller's groups. @public */
export const mlExperimentCreatePermission = createPermission({
  name: 'ml.experiment.create',
  attributes: { action: 'create' },
});

/**
 * Registered models; approving promotions is registry policy (the owner group and the
 * configured approver group), not a permission.
 *
 * @public
 */
export const ML_MODEL_RESOURCE_TYPE = 'ml-model';
/** @public */
export type MlModelPermission = ResourcePermission<
  typeof ML_MODEL_RESOURCE_TYPE
>;
const model = resourcePermissions(ML_MODEL_RESOURCE_TYPE, 'model', {
  read: 'read',
  update: 'update',
  delete: 'delete',
});
/** Read a registered model, its versions, promotions and audit trail. @public */
export const mlModelReadPermission: MlModelPermission = model.read;
/** Rename, describe, tag, add versions, move stages and unprotected aliases. @public */
export const mlModelUpdatePermission: MlModelPermission = model.update;
/** Delete a registered model or one of its versions. @public */
export const mlModelDeletePermission: MlModelPermission = model.delete;
/** Register a new model, owned by one of the caller's groups. @public */
export const mlModelCreatePermission = createPermission({
  name: 'ml.model.create',
  attributes: { action: 'create' },
});

/** Training jobs, owned by the group they were submitted for. @public */
export const ML_JOB_RESOURCE_TYPE = 'ml-job';
/** @public */
export type MlJobPermission = ResourcePermission<typeof ML_JOB_RESOURCE_TYPE>;
const job = resourcePermissions(ML_JOB_RESOURCE_TYPE, 'job', {
  read: 'read',
  cancel: 'update',
  preempt: 'update',
});
/** See a job: its spec, attempts, events and logs. @public */
export const mlJobReadPermission: MlJobPermission = job.read;
/** Cancel a job. @public */
export const mlJobCancelPermission: MlJobPermission = job.cancel;
/** Simulate a spot preemption of a job's attempt (local target, demos and tests). @public */
export const mlJobPreemptPermission: MlJobPermission = job.preempt;
/** Submit a training job for one of the caller's groups. @public */
export const mlJobCreatePermission = createPermission({
  name: 'ml.job.create',
  attributes: { action: 'create' },
});

/** Datasets runs read (lineage's data nodes), owned by the group that logged them first. @public */
export const ML_DATASET_RESOURCE_TYPE = 'ml-dataset';
/** Read a dataset and its place in lineage. @public */
export const mlDatasetReadPermission: ResourcePermission<
  typeof ML_DATASET_RESOURCE_TYPE
> = resourcePermissions(ML_DATASET_RESOURCE_TYPE, 'dataset', {
  read: 'read',
}).read;

/** Feature views of the feature catalog, owned by their Feast owner's group. @public */
export const ML_FEATURE_VIEW_RESOURCE_TYPE = 'ml-feature-view';
/** Read a feature view. @public */
export const mlFeatureViewReadPermission: ResourcePermission<
  typeof ML_FEATURE_VIEW_RESOURCE_TYPE
> = resourcePermissions(ML_FEATURE_VIEW_RESOURCE_TYPE, 'featureView', {
  read: 'read',
}).read;
/**
 * Import a Feast registry by upload (scheduled imports from config need none): an
 * import can mark a project's views removed, so the portal policy keeps it to
 * platform groups.
 *
 * @public
 */
export const mlFeatureImportPermission = createPermission({
  name: 'ml.feature.import',
  attributes: { action: 'create' },
});

/**
 * A team's spend; the resource is the team itself (its group ref is both the resource
 * ref and the owner), so a member reads their team's cost and managers read every team's.
 *
 * @public
 */
export const ML_TEAM_RESOURCE_TYPE = 'ml-team';
/** Read a team's spend, budgets and recommendations. @public */
export const mlCostReadPermission: ResourcePermission<
  typeof ML_TEAM_RESOURCE_TYPE
> = resourcePermissions(ML_TEAM_RESOURCE_TYPE, 'cost', { read: 'read' }).read;
/** Import a bill (replaces billed lines for every team): platform groups only. @public */
export const mlCostImportPermission = createPermission({
  name: 'ml.cost.import',
  attributes: { action: 'create' },
});

/** Permissions only platform groups hold (in the portal policy). @public */
export const mlPlatformPermissions: BasicPermission[] = [
  mlFeatureImportPermission,
  mlCostImportPermission,
];

/** Every ML resource type; each has an owner rule in the backend. @public */
export const mlResourceTypes = [
  ML_EXPERIMENT_RESOURCE_TYPE,
  ML_MODEL_RESOURCE_TYPE,
  ML_JOB_RESOURCE_TYPE,
  ML_DATASET_RESOURCE_TYPE,
  ML_FEATURE_VIEW_RESOURCE_TYPE,
  ML_TEAM_RESOURCE_TYPE,
] as const;

/** @public */
export type MlResourceType = (typeof mlResourceTypes)[number];

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
  mlJobReadPermission,
  mlJobCreatePermission,
  mlJobCancelPermission,
  mlJobPreemptPermission,
  mlDatasetReadPermission,
  mlFeatureViewReadPermission,
  mlFeatureImportPermission,
  mlCostReadPermission,
  mlCostImportPermission,
];
