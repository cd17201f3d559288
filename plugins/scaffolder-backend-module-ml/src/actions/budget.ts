import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { MlApi } from '../MlPortalClient';
import {
  MlActionsContext,
  groupRef,
  initiator,
  pageUrl,
  segment,
} from './context';

type BudgetSetting = MlApiComponents['schemas']['BudgetSetting'];
type SetBudgetRequest = MlApiComponents['schemas']['SetBudgetRequest'];

/** Sets `team`'s monthly budget through the API (403 unless the caller is on the platform team). */
export function putBudget(
  api: MlApi,
  team: string,
  budget: SetBudgetRequest,
): Promise<BudgetSetting> {
  return api.put<BudgetSetting>(`/cost/budgets/${segment(team)}`, budget);
}

/** The cost page of a team. */
const costPage = (context: MlActionsContext, team: string) =>
  pageUrl(context, `/cost?${new URLSearchParams({ team })}`);

/**
 * `ml:budget:set`: a team's monthly GPU budget, set through the API as the user running
 * the template (the portal keeps it to platform groups: others get its 403). Setting the
 * same budget again sets the same budget; a dry run sets nothing.
 *
 * @public
 */
export function createMlBudgetSetAction(context: MlActionsContext) {
  return createTemplateAction({
    id: 'ml:budget:set',
    description:
      "Sets a team's monthly GPU budget in the ML portal as the user running the template (a platform team member); it replaces the team's config budget on the cost page, in alerts and in hard holds.",
    supportsDryRun: true,
    schema: {
      input: {
        team: z =>
          z
            .string()
            .regex(/^group:/, 'a group entity ref, e.g. group:default/recsys')
            .describe('The team, a catalog group'),
        monthlyUsd: z =>
          z
            .number()
            .positive()
            .max(1_000_000_000)
            .describe('Monthly GPU budget in USD'),
        alertAt: z =>
          z
            .array(z.number().positive().max(2))
            .max(10)
            .optional()
            .describe('Alert thresholds as fractions of the budget (0.8, 1)'),
        hard: z =>
          z
            .boolean()
            .optional()
            .describe("Hold the team's new jobs once the budget is spent"),
      },
      output: {
        team: z => z.string(),
        monthlyUsd: z => z.number(),
        url: z => z.string().describe("The team's cost page in the portal"),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const team = groupRef(input.team);
      const budget: SetBudgetRequest = {
        monthlyUsd: input.monthlyUsd,
        ...(input.alertAt && { alertAt: input.alertAt }),
        ...(input.hard !== undefined && { hard: input.hard }),
      };
      if (!ctx.isDryRun) {
        const { api } = await initiator(
          context,
          await ctx.getInitiatorCredentials(),
        );
        // A retried step replays the PUT's answer instead of setting it again.
        await ctx.checkpoint({
          key: `budget.set.${team}`,
          fn: async () => {
            const set = await putBudget(api, team, budget);
            return { monthlyUsd: set.monthlyUsd };
          },
        });
        ctx.logger.info(
          `Set the monthly budget of ${team} to ${input.monthlyUsd} USD`,
        );
      }
      ctx.output('team', team);
      ctx.output('monthlyUsd', input.monthlyUsd);
      ctx.output('url', costPage(context, team));
    },
  });
}
