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

type ResourceAction = 'read' | 'update' | 'delete';

/** Permissions on resources of one type, `ml.<name>.<verb>`, decided by its owner rule. */
function resourcePermissions<TType extends string, TVerb extends string>(
  resourceType: TType,
  name: string,
  verbs: Record<TVerb, ResourceAction>,
) {
  return Object.fromEntries(
    Object.entries<ResourceAction>(verbs).map(([verb, action]) => [
      verb,
      createPermission({
        name: `ml.${name}.${verb}`,
        attributes: { action },
        resourceType,
      }),
    ]),
  ) as Record<TVerb, ResourcePermission<TType>>;
}

/** The one permission of a resource type that is only read, `ml.<name>.read`. */
function readPermission<TType extends string>(
  resourceType: TType,
  name: string,
) {
  return resourcePermissions(resourceType, name, { read: 'read' }).read;
}

/** The verbs of a resource that its owners read, edit and delete. */
const READ_UPDATE_DELETE = {
  read: 'read',
  update: 'update',
  delete: 'delete',
} as const;

/**
 * A permission checked without a resource, `ml.<name>`: creating one (its owner must be
 * one of the caller's groups) or a platform-wide import.
 */
function basicPermission(name: string): BasicPermission {
  return createPermission({
    name: `ml.${name}`,
    attributes: { action: 'create' },
  });
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
  READ_UPDATE_DELETE,
);
/** Read an experiment and its runs. @public */
export const mlExperimentReadPermission = experiment.read;
/** Update an experiment or log to its runs. @public */
export const mlExperimentUpdatePermission = experiment.update;
/** Delete or restore an experiment or its runs. @public */
export const mlExperimentDeletePermission = experiment.delete;
/** Create an experiment, owned by one of the caller's groups. @public */
export const mlExperimentCreatePermission =
  basicPermission('experiment.create');

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
const model = resourcePermissions(
  ML_MODEL_RESOURCE_TYPE,
  'model',
  READ_UPDATE_DELETE,
);
/** Read a registered model, its versions, promotions and audit trail. @public */
export const mlModelReadPermission = model.read;
/** Rename, describe, tag, add versions, move stages and unprotected aliases. @public */
export const mlModelUpdatePermission = model.update;
/** Delete a registered model or one of its versions. @public */
export const mlModelDeletePermission = model.delete;
/** Register a new model, owned by one of the caller's groups. @public */
export const mlModelCreatePermission = basicPermission('model.create');

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
export const mlJobReadPermission = job.read;
/** Cancel a job. @public */
export const mlJobCancelPermission = job.cancel;
/** Simulate a spot preemption of a job's attempt (local target, demos and tests). @public */
export const mlJobPreemptPermission = job.preempt;
/** Submit a training job for one of the caller's groups. @public */
export const mlJobCreatePermission = basicPermission('job.create');

/** Model serving endpoints, owned by the group they were created for. @public */
export const ML_ENDPOINT_RESOURCE_TYPE = 'ml-endpoint';
/** @public */
export type MlEndpointPermission = ResourcePermission<
  typeof ML_ENDPOINT_RESOURCE_TYPE
>;
const endpoint = resourcePermissions(
  ML_ENDPOINT_RESOURCE_TYPE,
  'endpoint',
  READ_UPDATE_DELETE,
);
/** See an endpoint: its deployments, traffic, canaries, metrics and timeline. @public */
export const mlEndpointReadPermission = endpoint.read;
/** Deploy versions on an endpoint, shift its traffic, promote, abort or roll back. @public */
export const mlEndpointUpdatePermission = endpoint.update;
/** Delete an endpoint and its deployments on the target. @public */
export const mlEndpointDeletePermission = endpoint.delete;
/** Create an endpoint owned by one of the caller's groups. @public */
export const mlEndpointCreatePermission = basicPermission('endpoint.create');

/** Datasets runs read (lineage's data nodes), owned by the group that logged them first. @public */
export const ML_DATASET_RESOURCE_TYPE = 'ml-dataset';
/** Read a dataset and its place in lineage. @public */
export const mlDatasetReadPermission = readPermission(
  ML_DATASET_RESOURCE_TYPE,
  'dataset',
);

/** Feature views of the feature catalog, owned by their Feast owner's group. @public */
export const ML_FEATURE_VIEW_RESOURCE_TYPE = 'ml-feature-view';
/** Read a feature view. @public */
export const mlFeatureViewReadPermission = readPermission(
  ML_FEATURE_VIEW_RESOURCE_TYPE,
  'featureView',
);
/**
 * Import a Feast registry by upload (scheduled imports from config need none): an
 * import can mark a project's views removed, so the portal policy keeps it to
 * platform groups.
 *
 * @public
 */
export const mlFeatureImportPermission = basicPermission('feature.import');

/**
 * A team's spend; the resource is the team itself (its group ref is both the resource
 * ref and the owner), so a member reads their team's cost and managers read every team's.
 *
 * @public
 */
export const ML_TEAM_RESOURCE_TYPE = 'ml-team';
/** Read a team's spend, budgets and recommendations. @public */
export const mlCostReadPermission = readPermission(
  ML_TEAM_RESOURCE_TYPE,
  'cost',
);
/** Import a bill (replaces billed lines for every team): platform groups only. @public */
export const mlCostImportPermission = basicPermission('cost.import');
/** Set a team's monthly budget (any team's): platform groups only. @public */
export const mlBudgetUpdatePermission = basicPermission('budget.update');

/**
 * Training profiles (golden paths), owned by the platform group that maintains them.
 * Every caller reads them (they are what a job is submitted on); changes make versions.
 *
 * @public
 */
export const ML_TRAINING_PROFILE_RESOURCE_TYPE = 'ml-training-profile';
/** Change a profile (a new version): its owner group. @public */
export const mlTrainingProfileUpdatePermission = resourcePermissions(
  ML_TRAINING_PROFILE_RESOURCE_TYPE,
  'trainingProfile',
  { update: 'update' },
).update;
/** Create a training profile: platform groups only (in the portal policy). @public */
export const mlTrainingProfileCreatePermission = basicPermission(
  'trainingProfile.create',
);

/** Set a team's GPU quotas (any team's): platform groups only. @public */
export const mlTrainingQuotaUpdatePermission = basicPermission(
  'trainingQuota.update',
);
/** Set the secret references a team's jobs may use (any team's): platform groups only. @public */
export const mlSecretScopeUpdatePermission =
  basicPermission('secretScope.update');

/** Permissions only platform groups hold (in the portal policy). @public */
export const mlPlatformPermissions: BasicPermission[] = [
  mlFeatureImportPermission,
  mlCostImportPermission,
  mlBudgetUpdatePermission,
  mlTrainingProfileCreatePermission,
  mlTrainingQuotaUpdatePermission,
  mlSecretScopeUpdatePermission,
];

/** Every ML resource type; each has an owner rule in the backend. @public */
export const mlResourceTypes = [
  ML_EXPERIMENT_RESOURCE_TYPE,
  ML_MODEL_RESOURCE_TYPE,
  ML_JOB_RESOURCE_TYPE,
  ML_DATASET_RESOURCE_TYPE,
  ML_FEATURE_VIEW_RESOURCE_TYPE,
  ML_TEAM_RESOURCE_TYPE,
  ML_ENDPOINT_RESOURCE_TYPE,
  ML_TRAINING_PROFILE_RESOURCE_TYPE,
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
  mlBudgetUpdatePermission,
  mlEndpointReadPermission,
  mlEndpointCreatePermission,
  mlEndpointUpdatePermission,
  mlEndpointDeletePermission,
  mlTrainingProfileUpdatePermission,
  mlTrainingProfileCreatePermission,
  mlTrainingQuotaUpdatePermission,
  mlSecretScopeUpdatePermission,
];
