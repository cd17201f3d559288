import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  ML_MODEL_RESOURCE_TYPE,
  RegisteredModel,
} from '@ml-portal/plugin-ml-common';
import { z } from 'zod';

/** Query form of the model rules: the owners a model must have. @public */
export type ModelOwnerQuery = { owners: string[] };

/** Registered models as permission resources, referenced by model name. @public */
export const mlModelPermissionResourceRef = createPermissionResourceRef<
  RegisteredModel,
  ModelOwnerQuery
>().with({ pluginId: 'ml', resourceType: ML_MODEL_RESOURCE_TYPE });

/**
 * Matches registered models (and so their versions and aliases) owned by one of the
 * given entity refs; a policy passes the user's ownership refs (their user ref and
 * groups).
 *
 * @public
 */
export const isModelOwner = createPermissionRule({
  name: 'IS_MODEL_OWNER',
  description:
    'Allow registered models owned by one of the given groups or users',
  resourceRef: mlModelPermissionResourceRef,
  paramsSchema: z.object({
    owners: z.array(z.string()).describe('Owner entity refs to match'),
  }),
  apply: (model, { owners }) => owners.includes(model.owner),
  toQuery: ({ owners }) => ({ owners }),
});

/** @public */
export const mlModelRules = { isModelOwner };

/**
 * Conditions for permission policies, e.g.
 * `createModelConditionalDecision(permission, modelConditions.isModelOwner({ owners }))`.
 *
 * @public
 */
export const {
  conditions: modelConditions,
  createConditionalDecision: createModelConditionalDecision,
} = createConditionExports({
  resourceRef: mlModelPermissionResourceRef,
  rules: mlModelRules,
});
