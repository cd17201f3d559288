import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  Experiment,
  ML_EXPERIMENT_RESOURCE_TYPE,
} from '@ml-portal/plugin-ml-common';
import { z } from 'zod';

/** Query form of the experiment rules: the owners an experiment must have. @public */
export type ExperimentOwnerQuery = { owners: string[] };

/** @public */
export const mlExperimentPermissionResourceRef = createPermissionResourceRef<
  Experiment,
  ExperimentOwnerQuery
>().with({ pluginId: 'ml', resourceType: ML_EXPERIMENT_RESOURCE_TYPE });

/**
 * Matches experiments (and so their runs) owned by one of the given entity refs; a
 * policy passes the user's ownership refs (their user ref and groups).
 *
 * @public
 */
export const isExperimentOwner = createPermissionRule({
  name: 'IS_EXPERIMENT_OWNER',
  description: 'Allow experiments owned by one of the given groups or users',
  resourceRef: mlExperimentPermissionResourceRef,
  paramsSchema: z.object({
    owners: z.array(z.string()).describe('Owner entity refs to match'),
  }),
  apply: (experiment, { owners }) => owners.includes(experiment.owner),
  toQuery: ({ owners }) => ({ owners }),
});

/** @public */
export const mlExperimentRules = { isExperimentOwner };

/**
 * Conditions for permission policies, e.g.
 * `createExperimentConditionalDecision(permission, experimentConditions.isExperimentOwner({ owners }))`.
 *
 * @public
 */
export const {
  conditions: experimentConditions,
  createConditionalDecision: createExperimentConditionalDecision,
} = createConditionExports({
  resourceRef: mlExperimentPermissionResourceRef,
  rules: mlExperimentRules,
});
