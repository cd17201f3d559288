import { NotFoundError } from '@backstage/errors';
import { ModelVersion } from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';
import { PromotionService } from './PromotionService';
import { PromotionStore } from './PromotionStore';
import { RegistryService } from './RegistryService';
import { AuditEntry, RegistryStore } from './RegistryStore';

function deployable(version: ModelVersion) {
  return {
    modelName: version.name,
    version: Number(version.version),
    versionId: version.id,
    artifactUri: version.source,
    runId: version.runId,
  };
}

/**
 * What the registry offers deployments: versions resolved by number or alias (for a
 * caller, or for the platform's own reconciler), a model's pipeline state, and the end
 * of a promotion that waited for its canary.
 *
 * @internal
 */
export function deployableModels(options: {
  registry: RegistryService;
  promotions: PromotionService;
  store: Pick<RegistryStore, 'getVersion' | 'getVersionByAlias'>;
  /** Where deployment steps join the model's audit trail. */
  audit: Pick<PromotionStore, 'recordAudit'>;
}) {
  const { registry, promotions, store, audit } = options;
  return {
    async resolve(
      caller: Caller,
      modelName: string,
      ref: { version?: string; alias?: string },
    ) {
      const version = ref.alias
        ? await registry.getVersionByAlias(caller, modelName, ref.alias)
        : await registry.getVersion(caller, modelName, ref.version);
      return deployable(version);
    },
    async resolveAsPlatform(
      modelName: string,
      ref: { version?: string; alias?: string },
    ) {
      const version = ref.alias
        ? await store.getVersionByAlias(modelName, ref.alias)
        : await store.getVersion(modelName, ref.version ?? '');
      return version && deployable(version);
    },
    async pipelineOf(caller: Caller, modelName: string) {
      const model = await registry.getModel(caller, modelName);
      if (!model) throw new NotFoundError(`No model named '${modelName}'`);
      const requests = await promotions.requestsOf(model.name);
      return {
        owner: model.owner,
        aliases: Object.fromEntries(
          (model.aliases ?? []).map(a => [a.alias, a.version]),
        ),
        pending: requests.filter(r => r.status === 'PENDING'),
      };
    },
    isProtected: (alias: string) => promotions.protectedAliases.includes(alias),
    moveAliasAfterCanary: (
      input: Parameters<PromotionService['moveAliasAfterCanary']>[0],
    ) => promotions.moveAliasAfterCanary(input),
    audit: (modelName: string, entry: AuditEntry) =>
      audit.recordAudit(modelName, entry),
    completeCanaryPromotion: (
      requestId: string,
      outcome: { passed: boolean; detail: string; actor: string },
    ) => promotions.completeCanaryPromotion(requestId, outcome),
  };
}
