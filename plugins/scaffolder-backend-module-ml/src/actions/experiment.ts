import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { MlApi, isMlApiStatus } from '../MlPortalClient';
import {
  DRY_RUN_ID,
  MlActionsContext,
  creatorOwner,
  initiator,
  ownedAsAsked,
  pageUrl,
  segment,
} from './context';

type Experiment = MlApiComponents['schemas']['Experiment'];

/** The experiment named `name`, or undefined; MLflow's names are unique portal-wide. */
export async function findExperiment(
  api: MlApi,
  name: string,
): Promise<Experiment | undefined> {
  try {
    const { experiment } = await api.get<{
      experiment: { experiment_id: string };
    }>(
      `/mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=${segment(
        name,
      )}`,
    );
    return await api.get<Experiment>(
      `/experiments/${segment(experiment.experiment_id)}`,
    );
  } catch (error) {
    if (isMlApiStatus(error, 404)) return undefined;
    throw error;
  }
}

/** What {@link ensureExperiment} found or made. */
export type EnsuredExperiment = {
  experimentId: string;
  owner: string;
  created: boolean;
};

/**
 * The experiment `name` as asked: the existing one where it is the asker's (a retry or a
 * re-run), a new one otherwise; a dry run only checks that it could be made.
 */
export async function ensureExperiment(
  options: {
    api: MlApi;
    groups: string[];
    isDryRun: boolean;
    create: (fn: () => Promise<string>) => Promise<string>;
  },
  input: { name: string; owner?: string; tags?: Record<string, string> },
): Promise<EnsuredExperiment> {
  const { api, groups } = options;
  const existing = await findExperiment(api, input.name);
  if (existing) {
    if (existing.lifecycleStage === 'deleted') {
      throw new ConflictError(
        `Experiment '${input.name}' was deleted; restore it in the portal or choose another name`,
      );
    }
    if (!ownedAsAsked(existing.owner, groups, input.owner)) {
      throw new ConflictError(
        `Experiment '${input.name}' already exists and belongs to ${existing.owner}`,
      );
    }
    return {
      experimentId: existing.experimentId,
      owner: existing.owner,
      created: false,
    };
  }
  const owner = creatorOwner('experiments', groups, input.owner);
  if (options.isDryRun) {
    return { experimentId: DRY_RUN_ID, owner: owner ?? '', created: true };
  }
  const experimentId = await options.create(async () => {
    try {
      const created = await api.post<{ experiment_id: string }>(
        '/mlflow/api/2.0/mlflow/experiments/create',
        {
          name: input.name,
          tags: Object.entries(input.tags ?? {}).map(([key, value]) => ({
            key,
            value,
          })),
        },
      );
      return created.experiment_id;
    } catch (error) {
      // Created meanwhile (a concurrent run of the same template): take it if it is ours.
      const raced =
        isMlApiStatus(error, 409) && (await findExperiment(api, input.name));
      if (raced && ownedAsAsked(raced.owner, groups, input.owner)) {
        return raced.experimentId;
      }
      throw error;
    }
  });
  const experiment = await api.get<Experiment>(
    `/experiments/${segment(experimentId)}`,
  );
  return { experimentId, owner: experiment.owner, created: true };
}

/**
 * `ml:experiment:create`: an MLflow experiment in the portal, owned by the initiator's
 * team; an existing experiment of that name and owner is returned, not an error.
 *
 * @public
 */
export function createMlExperimentAction(context: MlActionsContext) {
  return createTemplateAction({
    id: 'ml:experiment:create',
    description:
      'Creates an experiment in the ML portal as the user running the template (owned by their first group); returns the existing one when it has the same name and owner.',
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .min(1)
            .max(500)
            .describe(
              'Experiment name, unique in the portal, e.g. `recsys/ranker`',
            ),
        owner: z =>
          z
            .string()
            .regex(/^group:/, 'a group entity ref, e.g. group:default/recsys')
            .optional()
            .describe(
              'Expected owner group; must be the first group of the user running the template',
            ),
        tags: z =>
          z.record(z.string().max(5000)).optional().describe('Experiment tags'),
      },
      output: {
        experimentId: z => z.string(),
        owner: z => z.string(),
        created: z => z.boolean(),
        url: z => z.string().describe('The experiment page in the portal'),
      },
    },
    async handler(ctx) {
      const { api, groups } = await initiator(
        context,
        await ctx.getInitiatorCredentials(),
      );
      const result = await ensureExperiment(
        {
          api,
          groups,
          isDryRun: Boolean(ctx.isDryRun),
          create: fn => ctx.checkpoint({ key: 'experiment.create', fn }),
        },
        ctx.input,
      );
      ctx.logger.info(
        `${result.created ? 'Created' : 'Found'} experiment '${
          ctx.input.name
        }' (${result.experimentId}) owned by ${result.owner}`,
      );
      ctx.output('experimentId', result.experimentId);
      ctx.output('owner', result.owner);
      ctx.output('created', result.created);
      ctx.output(
        'url',
        pageUrl(context, `/experiments/${result.experimentId}`),
      );
    },
  });
}
