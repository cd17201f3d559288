import {
  Permission,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  ML_DATASET_RESOURCE_TYPE,
  ML_ENDPOINT_RESOURCE_TYPE,
  ML_EXPERIMENT_RESOURCE_TYPE,
  ML_FEATURE_VIEW_RESOURCE_TYPE,
  ML_JOB_RESOURCE_TYPE,
  ML_MODEL_RESOURCE_TYPE,
  ML_TEAM_RESOURCE_TYPE,
  ML_TRAINING_PROFILE_RESOURCE_TYPE,
  MlResourceType,
  mlPermissions,
} from '@ml-portal/plugin-ml-common';
import { PermissionsRegistryService } from '@backstage/backend-plugin-api';
import { z } from 'zod';

/** Query form of every ML owner rule: the owners a resource must have. @public */
export type OwnerQuery = { owners: string[] };

/** What the owner rules read of a resource: its owner group (or user) entity ref. @public */
export type OwnedResource = { owner: string };

/**
 * One ML resource type for the permission framework: its resource ref and its owner
 * rule (`IS_<TYPE>_OWNER`), which matches resources owned by one of the given refs.
 */
function ownedResourceType<TType extends MlResourceType>(
  resourceType: TType,
  ruleName: string,
  what: string,
) {
  const resourceRef = createPermissionResourceRef<
    OwnedResource,
    OwnerQuery
  >().with({ pluginId: 'ml', resourceType });
  const isOwner = createPermissionRule({
    name: ruleName,
    description: `Allow ${what} owned by one of the given groups or users`,
    resourceRef,
    paramsSchema: z.object({
      owners: z.array(z.string()).describe('Owner entity refs to match'),
    }),
    apply: (resource, { owners }) => owners.includes(resource.owner),
    toQuery: ({ owners }) => ({ owners }),
  });
  const { conditions, createConditionalDecision } = createConditionExports({
    resourceRef,
    rules: { isOwner },
  });
  return {
    resourceType,
    resourceRef,
    isOwner,
    conditions,
    createConditionalDecision,
  };
}

/**
 * The ML resource types, each with its owner rule and conditions, e.g.
 * `mlResources['ml-job'].conditions.isOwner({ owners })`.
 *
 * @public
 */
export const mlResources = {
  [ML_EXPERIMENT_RESOURCE_TYPE]: ownedResourceType(
    ML_EXPERIMENT_RESOURCE_TYPE,
    'IS_EXPERIMENT_OWNER',
    'experiments (and their runs)',
  ),
  [ML_MODEL_RESOURCE_TYPE]: ownedResourceType(
    ML_MODEL_RESOURCE_TYPE,
    'IS_MODEL_OWNER',
    'registered models (and their versions and promotions)',
  ),
  [ML_JOB_RESOURCE_TYPE]: ownedResourceType(
    ML_JOB_RESOURCE_TYPE,
    'IS_JOB_OWNER',
    'training jobs',
  ),
  [ML_DATASET_RESOURCE_TYPE]: ownedResourceType(
    ML_DATASET_RESOURCE_TYPE,
    'IS_DATASET_OWNER',
    'datasets',
  ),
  [ML_FEATURE_VIEW_RESOURCE_TYPE]: ownedResourceType(
    ML_FEATURE_VIEW_RESOURCE_TYPE,
    'IS_FEATURE_VIEW_OWNER',
    'feature views',
  ),
  [ML_TEAM_RESOURCE_TYPE]: ownedResourceType(
    ML_TEAM_RESOURCE_TYPE,
    'IS_TEAM_MEMBER',
    'teams (their spend)',
  ),
  [ML_ENDPOINT_RESOURCE_TYPE]: ownedResourceType(
    ML_ENDPOINT_RESOURCE_TYPE,
    'IS_ENDPOINT_OWNER',
    'serving endpoints (and their deployments and canaries)',
  ),
  [ML_TRAINING_PROFILE_RESOURCE_TYPE]: ownedResourceType(
    ML_TRAINING_PROFILE_RESOURCE_TYPE,
    'IS_TRAINING_PROFILE_OWNER',
    'training profiles (golden paths)',
  ),
} satisfies Record<MlResourceType, unknown>;

/** Whether `permission` is on one of the ML resource types. */
export function isMlResourcePermission(
  permission: Permission,
): permission is ResourcePermission<MlResourceType> {
  return (
    'resourceType' in permission &&
    typeof permission.resourceType === 'string' &&
    Object.hasOwn(mlResources, permission.resourceType)
  );
}

/**
 * A policy's decision that `permission` holds for the resources owned by one of
 * `owners`: a conditional decision with the type's owner rule.
 *
 * @public
 */
export function ownedByDecision(
  permission: ResourcePermission<MlResourceType>,
  owners: string[],
): PolicyDecision {
  // Each type's exports are typed to its own permissions; the type is checked above.
  const resource = mlResources[permission.resourceType] as ReturnType<
    typeof ownedResourceType<MlResourceType>
  >;
  return resource.createConditionalDecision(
    permission,
    resource.conditions.isOwner({ owners }),
  );
}

/**
 * Every ML resource type with its owner rule (`shared/ownerRules.ts`), resolvable by ref
 * for policies' conditional decisions through the lookup its domain declares, and the
 * ML permissions.
 *
 * @internal
 */
export function registerMlResources(
  registry: PermissionsRegistryService,
  lookups: Record<
    keyof typeof mlResources,
    (ref: string) => Promise<OwnedResource | undefined>
  >,
) {
  registry.addPermissions(mlPermissions);
  for (const [type, lookup] of Object.entries(lookups)) {
    const resource = mlResources[type as keyof typeof mlResources];
    registry.addResourceType({
      resourceRef: resource.resourceRef,
      rules: [resource.isOwner],
      getResources: refs => Promise.all(refs.map(lookup)),
    });
  }
}
