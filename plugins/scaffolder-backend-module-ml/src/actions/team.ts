import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { stringify } from 'yaml';
import { isMlApiStatus } from '../MlPortalClient';
import { MlActionsContext, groupRef, initiator, pageUrl } from './context';
import { putBudget } from './budget';
import { ensureExperiment } from './experiment';

type GpuPoolSummary = MlApiComponents['schemas']['GpuPoolSummary'];
type CostSummary = MlApiComponents['schemas']['CostSummary'];

/** A secret reference or a `prefix*` pattern, as `ml.training.secretScopes` takes them. */
const SECRET_PATTERN = /^[A-Za-z0-9_.:/-]+\*?$/;

/**
 * `ml:team:onboard`: a team's start on the platform. The API creates the team's first
 * experiment (`<namespace>/default`) where the initiator's first group is the team, and
 * sets the team's budget where the initiator is on the platform team (as `ml:budget:set`).
 * Quotas and secret scopes are config in this portal (`ml.training.quotas`,
 * `ml.training.secretScopes`), which no API writes, so the action checks them against
 * the portal and writes them (and a budget it could not set) as a config file for the
 * platform team to merge, and lists in `pending` what still needs doing by hand.
 *
 * @public
 */
export function createMlTeamOnboardAction(
  context: MlActionsContext & { catalog: CatalogService },
) {
  return createTemplateAction({
    id: 'ml:team:onboard',
    description:
      "Onboards a team: checks the group in the catalog, creates the team's default experiment where the user's first group is the team, sets its budget where the user is on the platform team, and writes its GPU quotas and secret scope (and a budget it could not set) as ML portal config for review.",
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
            .describe('GPU quotas per pool'),
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
              target: z.string().optional(),
            })
            .optional()
            .describe(
              "Secret references the team's jobs may use (`prefix*` allowed); none: no scope",
            ),
        configPath: z =>
          z
            .string()
            .optional()
            .describe('Where in the workspace the config is written'),
      },
      output: {
        experimentId: z => z.string().optional(),
        experimentUrl: z => z.string().optional(),
        configFile: z => z.string(),
        pending: z => z.array(z.string()),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
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
      const pending: string[] = [];

      const namespace = input.experimentNamespace ?? group.metadata.name;
      let experimentId: string | undefined;
      if (groups[0] === team) {
        const experiment = await ensureExperiment(
          {
            api,
            groups,
            isDryRun: Boolean(ctx.isDryRun),
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

      const budgets = await api
        .get<CostSummary>(`/cost/summary?team=${encodeURIComponent(team)}`)
        .catch(error => {
          // Spend is the team's and the managers'; others onboard without seeing it.
          if (isMlApiStatus(error, 403)) return undefined;
          throw error;
        });
      const current = budgets?.budgets.find(b => b.team === team);
      if (current && input.budget) {
        ctx.logger.info(
          `${team} has a budget of ${
            current.amountMicros / 1e6
          } USD this month; this one replaces it`,
        );
      }

      // A platform member sets the budget through the API; anyone else's (403) goes into
      // the config file for the platform team to merge, as quotas and secret scopes do.
      let configBudget = input.budget;
      if (input.budget && !ctx.isDryRun) {
        const budget = input.budget;
        const set = await ctx.checkpoint({
          key: 'budget.set',
          fn: async () => {
            try {
              await putBudget(api, team, budget);
              return true;
            } catch (error) {
              if (isMlApiStatus(error, 403)) return false;
              throw error;
            }
          },
        });
        if (set) {
          ctx.logger.info(`Set the monthly budget of ${team} through the API`);
          configBudget = undefined;
        }
      }

      const ml = {
        training: {
          ...(quotas.length > 0 && {
            quotas: quotas.map(q => ({ team, ...q })),
          }),
          ...(secretScope && {
            secretScopes: [{ group: team, ...secretScope }],
          }),
        },
        ...(configBudget && {
          cost: { budgets: [{ team, ...configBudget }] },
        }),
      };
      const configFile =
        input.configPath ??
        `ml-onboarding/${group.metadata.name}.app-config.yaml`;
      const written = [
        quotas.length > 0 && 'ml.training.quotas',
        secretScope && 'ml.training.secretScopes',
        configBudget && 'ml.cost.budgets',
      ].filter((key): key is string => Boolean(key));
      if (written.length > 0) {
        pending.push(
          `Merge ${written.join(
            ', ',
          )} from ${configFile} into the portal's app-config (lists there replace, so add these entries to the existing ones) and restart the backend`,
        );
      }
      const path = resolveSafeChildPath(ctx.workspacePath, configFile);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(
        path,
        `# ML platform config for ${team}, written by ml:team:onboard.\n# The portal reads quotas and secret scopes from config only; budgets also from its API.\n${stringify(
          { ml },
        )}`,
      );
      ctx.logger.info(`Wrote ${configFile}`);

      ctx.output('configFile', configFile);
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
