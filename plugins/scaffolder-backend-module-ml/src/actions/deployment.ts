import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { MlApiComponents } from '@ml-portal/plugin-ml-common';
import { MlApi, isMlApiStatus } from '../MlPortalClient';
import { MlActionsContext, initiator, pageUrl, segment } from './context';
import { findModel } from './model';

type CreateEndpointRequest =
  MlApiComponents['schemas']['CreateEndpointRequest'];
type EndpointDetails = MlApiComponents['schemas']['EndpointDetails'];
type ServingTarget = { id: string };

async function findEndpoint(
  api: MlApi,
  name: string,
): Promise<EndpointDetails | undefined> {
  try {
    return await api.get<EndpointDetails>(
      `/deployments/endpoints/${segment(name)}`,
    );
  } catch (error) {
    if (isMlApiStatus(error, 404)) return undefined;
    throw error;
  }
}

/** How an existing endpoint differs from the request; none: it is this request's. */
function differences(
  existing: EndpointDetails,
  request: CreateEndpointRequest,
) {
  const found: string[] = [];
  const compare = (field: string, had: unknown, asked: unknown) => {
    if (had !== asked)
      found.push(`${field} ${String(had)} (asked ${String(asked)})`);
  };
  compare('model', existing.modelName, request.modelName);
  compare('owner', existing.owner, request.owner);
  compare('kind', existing.kind, request.kind);
  compare('target', existing.target, request.target);
  compare('alias', existing.followsAlias, request.alias);
  if (
    request.version !== undefined &&
    !existing.deployments.some(d => d.version === request.version)
  ) {
    found.push(`no deployment of version ${request.version}`);
  }
  return found;
}

/** What a dry run checks: the model, its alias or version, and the serving target exist. */
async function checkDeployable(api: MlApi, request: CreateEndpointRequest) {
  const model = await findModel(api, request.modelName);
  if (!model) {
    throw new InputError(`No registered model '${request.modelName}'`);
  }
  if (request.alias && !model.aliases.some(a => a.alias === request.alias)) {
    throw new InputError(
      `Model '${request.modelName}' has no alias '${request.alias}'`,
    );
  }
  if (
    request.version &&
    !model.versions.some(v => v.version === request.version)
  ) {
    throw new InputError(
      `Model '${request.modelName}' has no version ${request.version}`,
    );
  }
  if (request.kind !== 'batch') {
    const { items } = await api.get<{ items: ServingTarget[] }>(
      '/serving-targets',
    );
    if (!items.some(t => t.id === request.target)) {
      throw new InputError(
        `No serving target '${request.target}'; the portal has ${
          items.map(t => `'${t.id}'`).join(', ') || 'none'
        }`,
      );
    }
  }
}

/**
 * `ml:deployment:create`: an endpoint serving a registered model's alias (followed) or
 * version (pinned), with the environment's canary policy. An existing endpoint with the
 * same model, owner, kind, target and alias is returned; a different one is a conflict.
 *
 * @public
 */
export function createMlDeploymentCreateAction(context: MlActionsContext) {
  return createTemplateAction({
    id: 'ml:deployment:create',
    description:
      'Creates a serving endpoint in the ML portal as the user running the template, following a model alias or pinned to a version, with canary settings.',
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .regex(
              /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
              'lowercase letters, digits and -, at most 63',
            )
            .describe('Endpoint name'),
        model: z => z.string().min(1).max(256).describe('Registered model'),
        alias: z =>
          z
            .string()
            .max(256)
            .optional()
            .describe('Follow this alias (exactly one of alias and version)'),
        version: z =>
          z.string().max(20).optional().describe('Pin this version'),
        kind: z =>
          z
            .enum(['real-time', 'batch', 'serverless'])
            .optional()
            .describe('Endpoint kind; real-time by default'),
        target: z => z.string().min(1).max(64).describe('Serving target'),
        owner: z =>
          z
            .string()
            .optional()
            .describe("Owner group; the user's first group by default"),
        pool: z => z.string().max(128).optional(),
        region: z => z.string().max(64).optional(),
        gpus: z => z.number().int().min(0).max(64).optional(),
        minReplicas: z => z.number().int().min(0).max(1000).optional(),
        maxReplicas: z => z.number().int().min(1).max(1000).optional(),
        canary: z =>
          z
            .object({
              percent: z.number().int().min(1).max(99).optional(),
              durationMinutes: z.number().min(0.05).max(10080).optional(),
              minRequests: z.number().int().min(1).max(1000000).optional(),
              maxErrorRateIncrease: z.number().min(0).max(1).optional(),
              maxP95Ratio: z.number().min(1).max(100).optional(),
            })
            .optional()
            .describe("Canary policy over the portal's defaults"),
        description: z => z.string().max(2000).optional(),
      },
      output: {
        endpoint: z => z.string(),
        status: z => z.string(),
        created: z => z.boolean(),
        url: z => z.string().describe('The endpoint page in the portal'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { api, groups } = await initiator(
        context,
        await ctx.getInitiatorCredentials(),
      );
      if ((input.alias === undefined) === (input.version === undefined)) {
        throw new InputError(
          'An endpoint follows an alias or is pinned to a version: give exactly one of alias and version',
        );
      }
      const owner = input.owner ?? groups[0];
      if (!owner) {
        throw new NotAllowedError(
          'You act for no group, so you cannot own an endpoint',
        );
      }
      const request: CreateEndpointRequest = {
        name: input.name,
        owner,
        modelName: input.model,
        alias: input.alias,
        version: input.version,
        kind: input.kind ?? 'real-time',
        target: input.target,
        pool: input.pool,
        region: input.region,
        gpus: input.gpus,
        minReplicas: input.minReplicas,
        maxReplicas: input.maxReplicas,
        canary: input.canary,
        description: input.description,
      };
      const done = (endpoint: { status: string }, created: boolean) => {
        ctx.logger.info(
          `${created ? 'Created' : 'Found'} endpoint '${input.name}' (${
            endpoint.status
          })`,
        );
        ctx.output('endpoint', input.name);
        ctx.output('status', endpoint.status);
        ctx.output('created', created);
        ctx.output(
          'url',
          pageUrl(context, `/deployments/${segment(input.name)}`),
        );
      };
      const existing = await findEndpoint(api, input.name);
      if (existing) {
        const differs = differences(existing, request);
        if (differs.length > 0) {
          throw new ConflictError(
            `Endpoint '${input.name}' already exists with ${differs.join(
              ', ',
            )}`,
          );
        }
        done(existing, false);
        return;
      }
      if (ctx.isDryRun) {
        await checkDeployable(api, request);
        done({ status: 'CREATING' }, true);
        return;
      }
      const endpoint = await ctx.checkpoint({
        key: 'endpoint.create',
        fn: async () => {
          const created = await api.post<EndpointDetails>(
            '/deployments/endpoints',
            request,
          );
          return { status: created.status };
        },
      });
      done(endpoint, true);
    },
  });
}
