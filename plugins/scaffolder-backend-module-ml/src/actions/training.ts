import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { MlApi, isMlApiStatus } from '../MlPortalClient';
import { DRY_RUN_ID, MlActionsContext, initiator, pageUrl } from './context';
import { findExperiment } from './experiment';

type JobSpec = MlApiComponents['schemas']['JobSpec'];
type TrainingJob = MlApiComponents['schemas']['TrainingJob'];
type TrainingProfile = MlApiComponents['schemas']['TrainingProfile'];

/** Params and env variables a job takes from a template; JSON schema cannot bound a record. */
const MAX_ENTRIES = 100;

/** `{ lr: 0.1, epochs: 30 }` → `--lr 0.1 --epochs 30`, as the example scripts read them. */
export function paramArgs(params: Record<string, string | number | boolean>) {
  const entries = Object.entries(params);
  if (entries.length > MAX_ENTRIES) {
    throw new InputError(
      `At most ${MAX_ENTRIES} params, not ${entries.length}`,
    );
  }
  return entries.flatMap(([key, value]) => {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) {
      throw new InputError(
        `Parameter '${key}' is not a command-line flag name (letters, digits, - and _)`,
      );
    }
    return [`--${key}`, String(value)];
  });
}

/** The job spec's `experiment` is an id or a name, as the API takes it. */
async function experimentExists(api: MlApi, experiment: string) {
  if (!/^\d+$/.test(experiment)) {
    return Boolean(await findExperiment(api, experiment));
  }
  try {
    await api.get(`/experiments/${experiment}`);
    return true;
  } catch (error) {
    if (isMlApiStatus(error, 404)) return false;
    throw error;
  }
}

async function checkProfile(api: MlApi, profile: string) {
  const { items } = await api.get<{ items: TrainingProfile[] }>(
    '/training/profiles',
  );
  if (!items.some(p => p.name === profile)) {
    throw new InputError(
      `No training profile '${profile}'; the portal has ${
        items.map(p => `'${p.name}'`).join(', ') || 'none'
      }`,
    );
  }
}

/**
 * `ml:training:submit`: a training job on a profile (golden path), its run in the given
 * experiment. A retried step returns the job it submitted before.
 *
 * @public
 */
export function createMlTrainingSubmitAction(context: MlActionsContext) {
  return createTemplateAction({
    id: 'ml:training:submit',
    description:
      "Submits a training job to the ML portal as the user running the template, on a training profile; params become the command's --flags.",
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().min(1).max(250).describe('Job name'),
        experiment: z =>
          z
            .string()
            .min(1)
            .describe("The experiment (id or name) of the job's MLflow run"),
        profile: z => z.string().min(1).describe('Training profile'),
        command: z =>
          z
            .array(z.string().max(10_000))
            .min(1)
            .max(200)
            .describe('Entrypoint and its arguments, e.g. [node, train.ts]'),
        params: z =>
          z
            .record(z.union([z.string().max(10_000), z.number(), z.boolean()]))
            .optional()
            .describe(
              'Hyperparameters, appended to the command as --key value',
            ),
        owner: z =>
          z
            .string()
            .optional()
            .describe("One of the user's groups; their first group by default"),
        image: z => z.string().optional().describe('Container image'),
        env: z =>
          z
            .record(z.string().max(10_000))
            .optional()
            .describe('Plain environment variables (never secrets)'),
        gpus: z => z.number().int().min(0).max(1024).optional(),
        maxRuntimeSeconds: z => z.number().int().min(1).optional(),
      },
      output: {
        jobId: z => z.string(),
        status: z => z.string(),
        url: z => z.string().describe('The job page in the portal'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { api } = await initiator(
        context,
        await ctx.getInitiatorCredentials(),
      );
      await checkProfile(api, input.profile);
      if (Object.keys(input.env ?? {}).length > MAX_ENTRIES) {
        throw new InputError(`At most ${MAX_ENTRIES} env variables`);
      }
      const spec: JobSpec = {
        name: input.name,
        owner: input.owner,
        profile: input.profile,
        image: input.image,
        command: [...input.command, ...paramArgs(input.params ?? {})],
        env: input.env,
        experiment: input.experiment,
        maxRuntimeSeconds: input.maxRuntimeSeconds,
        ...(input.gpus !== undefined && { resources: { gpus: input.gpus } }),
      };
      if (ctx.isDryRun) {
        // The experiment a dry run "created" does not exist; a real one must.
        if (
          input.experiment !== DRY_RUN_ID &&
          !(await experimentExists(api, input.experiment))
        ) {
          throw new InputError(`No experiment '${input.experiment}'`);
        }
        ctx.logger.info(`Would submit ${JSON.stringify(spec.command)}`);
        ctx.output('jobId', DRY_RUN_ID);
        ctx.output('status', 'PENDING');
        ctx.output('url', pageUrl(context, `/training/jobs/${DRY_RUN_ID}`));
        return;
      }
      const job = await ctx.checkpoint({
        key: 'training.submit',
        fn: async () => {
          const submitted = await api.post<TrainingJob>('/training/jobs', spec);
          return { jobId: submitted.jobId, status: submitted.status };
        },
      });
      ctx.logger.info(`Submitted training job ${job.jobId} (${job.status})`);
      ctx.output('jobId', job.jobId);
      ctx.output('status', job.status);
      ctx.output('url', pageUrl(context, `/training/jobs/${job.jobId}`));
    },
  });
}
