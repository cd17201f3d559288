import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { isMlApiStatus, MlApi } from '../MlPortalClient';
import { putBudget } from './budget';
import {
  MlActionsContext,
  groupRef,
  initiator,
  pageUrl,
  segment,
} from './context';
import { ensureExperiment } from './experiment';

type Schemas = MlApiComponents['schemas'];
type GpuPoolSummary = Schemas['GpuPoolSummary'];
type CostSummary = Schemas['CostSummary'];
type TeamQuota = Schemas['TeamQuota'];
type TeamQuotas = Schemas['TeamQuotas'];
type SecretScope = Schemas['SecretScope'];
type TeamSecretScopes = Schemas['TeamSecretScopes'];

/** A secret reference or a `prefix*` pattern, as secret scopes take them. */
const SECRET_PATTERN = /^[A-Za-z0-9_.:/-]+\*?$/;

/** The team's quotas with `wanted` replacing those of the same pools; the others kept. */
function mergeQuotas(current: TeamQuota[], wanted: TeamQuota[]): TeamQuota[] {
  const pools = new Set(wanted.map(q => q.pool));
  return [
    ...current.filter(q => !pools.has(q.pool)),
    ...wanted.map(q => ({ borrowingLimitGpus: 0, ...q })),
  ];
}

/** The team's scopes with `wanted` replacing the one for the same target (or all targets). */
function mergeScopes(
  current: SecretScope[],
  wanted: SecretScope,
): SecretScope[] {
  return [...current.filter(s => s.target !== wanted.target), wanted];
}

const describeQuotas = (quotas: TeamQuota[]) =>
  quotas
    .map(
      q =>
        `${q.pool} ${q.nominalGpus} GPUs (+${
          q.borrowingLimitGpus ?? 0
        } borrowable)`,
    )
    .join(', ');

/**
 * Runs one platform-team write: true when set, false when the portal answered 403 (the
 * user is not on the platform team), anything else thrown. Inside a checkpoint, so a
 * retried step replays the answer instead of writing again.
 */
async function platformWrite(
  checkpoint: (key: string, fn: () => Promise<boolean>) => Promise<boolean>,
  key: string,
  write: () => Promise<unknown>,
): Promise<boolean> {
  return checkpoint(key, async () => {
    try {
      await write();
      return true;
    } catch (error) {
      if (isMlApiStatus(error, 403)) return false;
      throw error;
    }
  });
}

const readQuotas = (api: MlApi, team: string) =>
  api.get<TeamQuotas>(`/training/quotas/${segment(team)}`);

/**
 * `ml:team:onboard`: a team's start on the platform, all through the portal's API as the
 * user running the template. It creates the team's first experiment
 * (`<namespace>/default`) where the user's first group is the team, and sets the team's
 * GPU quotas (`PUT /training/quotas/{team}`), secret scope
 * (`PUT /training/secret-scopes/{team}`) and budget (`PUT /cost/budgets/{team}`), which
 * the portal keeps to the platform team: what the user may not set is listed in
 * `pending`, with the values, for a platform member to set. Quotas replace the team's
 * for the pools given and keep its others; a scope replaces the team's for the same
 * target. Setting the same values again sets the same.
 *
 * @public
 */
export function createMlTeamOnboardAction(
  context: MlActionsContext & { catalog: CatalogService },
) {
  return createTemplateAction({
    id: 'ml:team:onboard',
    description:
      "Onboards a team through the ML portal's API: checks the group in the catalog, creates the team's default experiment where the user's first group is the team, and sets its GPU quotas, secret scope and budget where the user is on the platform team (listing them as pending otherwise).",
    supportsDryRun: true,
    schema: {
      input: {
        team: z =>
          z
            .string()
            .regex(/^group:/, 'a group entity ref, e.g. group:default/recsys')
            .describe('The team, a catalog group'),
        experimentNamespace: z =>
          z
            .string()
            .regex(
              /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
              'letters, digits, _ . -',
            )
            .optional()
            .describe(
              "Prefix of the team's experiment names; the group name by default",
            ),
        quotas: z =>
          z
            .array(
              z.object({
                pool: z.string().min(1),
                nominalGpus: z.number().int().min(0).max(100000),
                borrowingLimitGpus: z
                  .number()
                  .int()
                  .min(0)
                  .max(100000)
                  .optional(),
              }),
            )
            .max(50)
            .optional()
            .describe(
              "GPU quotas per pool; they replace the team's quotas in these pools",
            ),
        budget: z =>
          z
            .object({
              monthlyUsd: z.number().positive().max(100_000_000),
              alertAt: z.array(z.number().positive().max(2)).max(10).optional(),
              hard: z.boolean().optional(),
            })
            .optional()
            .describe('Monthly GPU budget'),
        secretScope: z =>
          z
            .object({
              secrets: z.array(z.string().regex(SECRET_PATTERN)).max(100),
              target: z.string().min(1).optional(),
            })
            .optional()
            .describe(
              "Secret references the team's jobs may use (`prefix*` allowed) on `target` (every target when absent); none: no scope set",
            ),
      },
      output: {
        experimentId: z => z.string().optional(),
        experimentUrl: z => z.string().optional(),
        set: z =>
          z
            .array(z.string())
            .describe('What the action set in the portal, one line each'),
        pending: z =>
          z
            .array(z.string())
            .describe('What someone else still has to do, and who'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const isDryRun = Boolean(ctx.isDryRun);
      const quotas = input.quotas ?? [];
      const secretScope = input.secretScope?.secrets.length
        ? input.secretScope
        : undefined;
      const credentials = await ctx.getInitiatorCredentials();
      const { api, groups } = await initiator(context, credentials);
      const team = groupRef(input.team);
      const group = await context.catalog.getEntityByRef(team, { credentials });
      if (!group || group.kind.toLocaleLowerCase('en-US') !== 'group') {
        throw new NotFoundError(`No group ${team} in the catalog`);
      }
      const { items: pools } = await api.get<{ items: GpuPoolSummary[] }>(
        '/training/pools',
      );
      const unknown = quotas.filter(q => !pools.some(p => p.name === q.pool));
      if (unknown.length > 0) {
        throw new InputError(
          `No pool ${unknown
            .map(q => `'${q.pool}'`)
            .join(', ')}; the portal has ${
            pools.map(p => `'${p.name}'`).join(', ') || 'none'
          }`,
        );
      }
      const set: string[] = [];
      const pending: string[] = [];
      const checkpoint = (key: string, fn: () => Promise<boolean>) =>
        ctx.checkpoint({ key, fn });
      /** Records a platform write's outcome: set, or pending for the platform team. */
      const settle = (done: boolean, what: string, how: string) => {
        if (done) {
          ctx.logger.info(`Set ${what}`);
          set.push(what);
        } else {
          pending.push(
            `${what}: only the platform team sets it (${how}); a platform team member runs this template or sets it`,
          );
        }
      };

      const namespace = input.experimentNamespace ?? group.metadata.name;
      let experimentId: string | undefined;
      if (groups[0] === team) {
        const experiment = await ensureExperiment(
          {
            api,
            groups,
            isDryRun,
            create: fn => ctx.checkpoint({ key: 'experiment.create', fn }),
          },
          { name: `${namespace}/default`, owner: team },
        );
        experimentId = experiment.experimentId;
      } else {
        // The API makes experiments the creator's first group's: only a member can.
        pending.push(
          `Experiment '${namespace}/default': the portal creates experiments for the creator's first group, so a member of ${team} creates it (or runs this template)`,
        );
      }

      if (quotas.length > 0) {
        // Quotas are readable by all; the team's others are kept.
        const current = await readQuotas(api, team);
        const merged = mergeQuotas(current.quotas, quotas);
        const what = `GPU quotas of ${team}: ${describeQuotas(merged)}`;
        if (isDryRun) ctx.logger.info(`Would set ${what}`);
        else
          settle(
            await platformWrite(checkpoint, 'quotas.set', () =>
              api.put(`/training/quotas/${segment(team)}`, { quotas: merged }),
            ),
            what,
            'ml.trainingQuota.update',
          );
      }

      if (secretScope) {
        const wanted: SecretScope = {
          ...(secretScope.target && { target: secretScope.target }),
          secrets: secretScope.secrets,
        };
        const what = `Secret scope of ${team}${
          wanted.target ? ` on ${wanted.target}` : ''
        }: ${wanted.secrets.join(', ')}`;
        // A team's scopes are its members' and the platform team's to read: anyone
        // else could not set them either.
        const current = await api
          .get<TeamSecretScopes>(`/training/secret-scopes/${segment(team)}`)
          .catch(error => {
            if (isMlApiStatus(error, 403)) return undefined;
            throw error;
          });
        if (isDryRun) ctx.logger.info(`Would set ${what}`);
        else
          settle(
            current !== undefined &&
              (await platformWrite(checkpoint, 'secretScopes.set', () =>
                api.put(`/training/secret-scopes/${segment(team)}`, {
                  scopes: mergeScopes(current.scopes, wanted),
                }),
              )),
            what,
            'ml.secretScope.update',
          );
      }

      if (input.budget) {
        const budget = input.budget;
        const budgets = await api
          .get<CostSummary>(`/cost/summary?team=${segment(team)}`)
          .catch(error => {
            // Spend is the team's and the managers'; others onboard without seeing it.
            if (isMlApiStatus(error, 403)) return undefined;
            throw error;
          });
        const previous = budgets?.budgets.find(b => b.team === team);
        if (previous) {
          ctx.logger.info(
            `${team} has a budget of ${
              previous.amountMicros / 1e6
            } USD this month; this one replaces it`,
          );
        }
        const what = `Monthly budget of ${team}: ${budget.monthlyUsd} USD${
          budget.hard ? ', hard' : ''
        }`;
        if (isDryRun) ctx.logger.info(`Would set ${what}`);
        else
          settle(
            await platformWrite(checkpoint, 'budget.set', () =>
              putBudget(api, team, budget),
            ),
            what,
            'ml.budget.update',
          );
      }

      ctx.output('set', set);
      ctx.output('pending', pending);
      if (experimentId) {
        ctx.output('experimentId', experimentId);
        ctx.output(
          'experimentUrl',
          pageUrl(context, `/experiments/${experimentId}`),
        );
      }
    },
  });
}
