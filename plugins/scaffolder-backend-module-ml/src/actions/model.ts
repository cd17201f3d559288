import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { MlApi, isMlApiStatus } from '../MlPortalClient';
import {
  MlActionsContext,
  creatorOwner,
  initiator,
  ownedAsAsked,
  pageUrl,
  segment,
} from './context';

type RegisteredModel = MlApiComponents['schemas']['RegisteredModel'];
type RegisteredModelDetails =
  MlApiComponents['schemas']['RegisteredModelDetails'];

/** The registered model `name` with its versions and aliases, or undefined. */
export async function findModel(
  api: MlApi,
  name: string,
): Promise<RegisteredModelDetails | undefined> {
  try {
    return await api.get<RegisteredModelDetails>(`/models/${segment(name)}`);
  } catch (error) {
    if (isMlApiStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * `ml:model:register`: a registered model (the name versions are registered under),
 * owned by the initiator's team; an existing model of that name and owner is returned.
 *
 * @public
 */
export function createMlModelRegisterAction(context: MlActionsContext) {
  return createTemplateAction({
    id: 'ml:model:register',
    description:
      "Registers a model name in the ML portal's registry as the user running the template (owned by their first group); returns the existing model when it has the same name and owner.",
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().min(1).max(256).describe('Registered model name'),
        owner: z =>
          z
            .string()
            .regex(/^group:/, 'a group entity ref, e.g. group:default/recsys')
            .optional()
            .describe(
              'Expected owner group; must be the first group of the user running the template',
            ),
        description: z => z.string().max(5000).optional(),
      },
      output: {
        name: z => z.string(),
        owner: z => z.string(),
        created: z => z.boolean(),
        url: z => z.string().describe('The model page in the portal'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { api, groups } = await initiator(
        context,
        await ctx.getInitiatorCredentials(),
      );
      const done = (model: { owner: string }, created: boolean) => {
        ctx.logger.info(
          `${created ? 'Registered' : 'Found'} model '${input.name}' owned by ${
            model.owner
          }`,
        );
        ctx.output('name', input.name);
        ctx.output('owner', model.owner);
        ctx.output('created', created);
        ctx.output('url', pageUrl(context, `/models/${segment(input.name)}`));
      };
      const existing = await findModel(api, input.name);
      if (existing) {
        if (!ownedAsAsked(existing.owner, groups, input.owner)) {
          throw new ConflictError(
            `Model '${input.name}' is already registered by ${existing.owner}`,
          );
        }
        done(existing, false);
        return;
      }
      const owner = creatorOwner('models', groups, input.owner);
      if (ctx.isDryRun) {
        done({ owner: owner ?? '' }, true);
        return;
      }
      const model = await ctx.checkpoint({
        key: 'model.create',
        fn: async () => {
          const created = await api.post<RegisteredModel>('/models', {
            name: input.name,
            description: input.description,
          });
          return { owner: created.owner };
        },
      });
      done(model, true);
    },
  });
}
