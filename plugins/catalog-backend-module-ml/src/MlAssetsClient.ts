import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { MlCatalogAsset } from '@ml-portal/plugin-ml-common';
import { z } from 'zod';

const endpointSchema = z.object({
  kind: z.enum(['real-time', 'batch', 'serverless']),
  target: z.string(),
  status: z.enum(['CREATING', 'UPDATING', 'READY', 'FAILED']),
  url: z.string().optional(),
  modelName: z.string(),
  versions: z.array(z.string()),
});

const assetSchema = z
  .object({
    type: z.enum([
      'ml-model',
      'feature-view',
      'dataset',
      'ml-endpoint',
      'ml-training-profile',
    ]),
    entityName: z.string(),
    title: z.string(),
    description: z
      .string()
      .nullish()
      .transform(v => v ?? undefined),
    owner: z.string(),
    path: z.string(),
    tags: z.array(z.string()),
    dependsOn: z.array(z.string()),
    annotations: z.record(z.string(), z.string()),
    endpoint: endpointSchema.optional(),
  })
  .refine(
    asset => (asset.type === 'ml-endpoint') === (asset.endpoint !== undefined),
    {
      path: ['endpoint'],
      message: 'an ml-endpoint asset has an endpoint block and no other does',
    },
  ) satisfies z.ZodType<MlCatalogAsset, unknown>;

const responseSchema = z.object({ assets: z.array(z.unknown()) });

/** The assets the ml backend listed; those it sent malformed are named, not dropped silently. @internal */
export type MlAssetsResponse = {
  /** The ml backend's base URL, as discovery resolved it for this read. */
  mlBaseUrl: string;
  assets: MlCatalogAsset[];
  /** One line per element of `assets` that is not an `MlCatalogAsset`. */
  malformed: string[];
};

/**
 * Reads `GET /api/ml/catalog/assets` with a plugin-to-plugin token.
 *
 * @internal
 */
export class MlAssetsClient {
  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {}

  async readAssets(signal?: AbortSignal): Promise<MlAssetsResponse> {
    const { discovery, auth } = this.deps;
    const mlBaseUrl = await discovery.getBaseUrl('ml');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'ml',
    });
    const url = `${mlBaseUrl}/catalog/assets`;
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}` },
      signal,
    }).catch((error: Error) => {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, DNS) is its cause.
      const reason = (error.cause as Error | undefined)?.message;
      throw new Error(`Cannot reach ${url}: ${reason ?? error.message}`);
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = responseSchema.safeParse(await response.json());
    if (!body.success) {
      throw new Error(
        `Unexpected response from ${url}: ${body.error.issues[0].message}`,
      );
    }
    const assets: MlCatalogAsset[] = [];
    const malformed: string[] = [];
    body.data.assets.forEach((element, position) => {
      const asset = assetSchema.safeParse(element);
      if (asset.success) {
        assets.push(asset.data);
      } else {
        const issue = asset.error.issues[0];
        const name = (element as { entityName?: unknown } | null)?.entityName;
        malformed.push(
          `asset ${typeof name === 'string' ? `'${name}'` : `#${position}`}: ${
            issue.path.join('.') || 'asset'
          }: ${issue.message}`,
        );
      }
    });
    return { mlBaseUrl, assets, malformed };
  }
}
