import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  mlModelCreatePermission,
  mlModelDeletePermission,
  ModelVersion,
  ModelVersionDetails,
  ModelVersionStage,
  Page,
  RegisteredModel,
  RegisteredModelDetails,
  RegistryAuditEvent,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import {
  decodePageToken,
  encodePageToken,
  PageWindow,
  pageSize,
} from '../shared/paging';
import { trimLeading } from '../shared/strings';
import {
  canonicalStage,
  validateAlias,
  validateModelName,
  validateTag,
  validateTags,
} from '../shared/validation';
import { actorOf } from '../shared/caller';
import { versionAudit } from './audit';
import { GATE_TAG_PREFIX, parseGateTag } from './gates';
import { ModelAccess } from './ModelAccess';
import { PromotionService } from './PromotionService';
import { RegistryRuns } from './registryRuns';
import { RegistryStore, StoredModel } from './RegistryStore';
import { RegistrySearch } from './search';
import { resolveVersionSource } from './versionSource';

const ACTIVE_STAGES: ModelVersionStage[] = ['Staging', 'Production'];
const MAX_RESULTS = {
  models: { fallback: 100, max: 1000 },
  versions: { fallback: 10000, max: 200000 },
};
const AUDIT_LIMIT = 500;

/** A model tag as MLflow validates it; a gate tag must state a gate. */
function validateModelTag(input: unknown) {
  const tag = validateTag(input);
  if (tag.key.startsWith(GATE_TAG_PREFIX)) parseGateTag(tag);
  return tag;
}

function publicModel(model: StoredModel): RegisteredModel {
  const { modelId: _id, ...rest } = model;
  return rest;
}

/** A search request of MLflow's registry endpoints. */
type RegistrySearchRequest = RegistrySearch & {
  maxResults?: number;
  pageToken?: string;
};

/**
 * Registered models and their versions: the one implementation behind the MLflow
 * registry API and the portal API. Models belong to their creator's group; reads and
 * writes are authorised by the permission framework (`ml.model.*`, owner-conditional
 * in the portal's policy). Aliases are the promotion workflow's (PromotionService);
 * every change lands with its audit event.
 *
 * @internal
 */
export class RegistryService {
  private readonly models: ModelAccess;

  constructor(
    private readonly options: {
      store: RegistryStore;
      promotions: PromotionService;
      runs: RegistryRuns;
      access: AccessControl;
    },
  ) {
    this.models = new ModelAccess(options.store, options.access);
  }

  // ---- registered models --------------------------------------------------

  async createModel(
    caller: Caller,
    input: { name: unknown; description?: string; tags?: unknown },
  ): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const tags = validateTags(input.tags, validateModelTag);
    await this.options.access.authorize(caller, mlModelCreatePermission);
    const model = await this.options.store.createModel(
      { name, owner: caller.owner, description: input.description, tags },
      {
        actor: actorOf(caller),
        action: 'model.created',
        detail: `registered model '${name}' owned by ${caller.owner}`,
      },
    );
    return publicModel(model);
  }

  async getModel(caller: Caller, name: unknown): Promise<RegisteredModel> {
    return publicModel(await this.models.readableModel(caller, name));
  }

  /** Every model the caller may read, with its version ids (the catalog's assets). */
  async listModelsWithVersionIds(caller: Caller) {
    return this.models.readable(
      caller,
      await this.options.store.listModelsWithVersionIds(),
      m => m.owner,
    );
  }

  async searchModels(
    caller: Caller,
    request: RegistrySearchRequest,
  ): Promise<Page<RegisteredModel>> {
    const page = await this.searchReadable(
      caller,
      request,
      MAX_RESULTS.models,
      (search, window) => this.options.store.searchModels(search, window),
    );
    return { ...page, items: page.items.map(publicModel) };
  }

  async renameModel(
    caller: Caller,
    name: unknown,
    newName: unknown,
  ): Promise<RegisteredModel> {
    const model = await this.models.writableModel(caller, name, 'rename');
    const target = validateModelName(newName, 'new_name');
    const renamed = await this.options.store.renameModel(model.name, target, {
      actor: actorOf(caller),
      action: 'model.renamed',
      detail: `renamed from '${model.name}' to '${target}'`,
    });
    return publicModel(renamed);
  }

  async updateModel(
    caller: Caller,
    name: unknown,
    description: unknown,
  ): Promise<RegisteredModel> {
    const model = await this.models.writableModel(caller, name, 'update');
    const updated = await this.options.store.updateModel(
      model.name,
      { description: String(description ?? '') },
      {
        actor: actorOf(caller),
        action: 'model.updated',
        detail: 'updated the description',
      },
    );
    return publicModel(updated);
  }

  async deleteModel(caller: Caller, name: unknown): Promise<void> {
    const model = await this.models.writableModel(
      caller,
      name,
      'delete',
      mlModelDeletePermission,
    );
    this.options.promotions.refuseProtected(
      model.aliases,
      `model '${model.name}'`,
    );
    await this.options.store.deleteModel(model.name, {
      actor: actorOf(caller),
      action: 'model.deleted',
      detail: `deleted model '${model.name}' with its versions`,
    });
  }

  async setModelTag(
    caller: Caller,
    name: unknown,
    tag: { key: unknown; value: unknown },
  ): Promise<void> {
    const model = await this.models.writableModel(caller, name, 'tag');
    const valid = validateModelTag(tag);
    await this.options.store.setModelTag(model.name, valid, {
      actor: actorOf(caller),
      action: 'model.tag.set',
      detail: `set tag ${valid.key}=${valid.value}`,
    });
  }

  async deleteModelTag(
    caller: Caller,
    name: unknown,
    key: unknown,
  ): Promise<void> {
    const model = await this.models.writableModel(caller, name, 'tag');
    const validKey = validateTag({ key, value: '' }).key;
    await this.options.store.deleteModelTag(model.name, validKey, {
      actor: actorOf(caller),
      action: 'model.tag.deleted',
      detail: `deleted tag ${validKey}`,
    });
  }

  async getModelDetails(
    caller: Caller,
    name: unknown,
  ): Promise<RegisteredModelDetails> {
    const model = await this.models.readableModel(caller, name);
    const { store, promotions } = this.options;
    const [versions, requests] = await Promise.all([
      store.listVersions(model.name),
      promotions.requestsOf(model.name),
    ]);
    return {
      ...publicModel(model),
      versions,
      promotions: requests,
      protectedAliases: promotions.protectedAliases,
      canApprove: promotions.canApprove(caller, model.owner),
    };
  }

  async listAudit(
    caller: Caller,
    name: unknown,
  ): Promise<RegistryAuditEvent[]> {
    const model = await this.models.readableModel(caller, name);
    return this.options.store.listAudit(model.modelId, { limit: AUDIT_LIMIT });
  }

  // ---- model versions -----------------------------------------------------

  /**
   * A new version of an existing model. `source` may be `runs:/<run_id>/<path>`,
   * resolved to the run's artifact URI; a local path must lie in `run_id`'s artifacts.
   */
  async createVersion(
    caller: Caller,
    input: {
      name: unknown;
      source: unknown;
      runId?: string;
      /** MLflow 3: the logged model the version is of. */
      modelId?: string;
      description?: string;
      tags?: unknown;
    },
  ): Promise<ModelVersion> {
    const model = await this.models.writableModel(
      caller,
      input.name,
      'add versions to',
    );
    const tags = validateTags(input.tags);
    const resolved = await resolveVersionSource(
      this.options.runs,
      caller,
      input.source,
      input.runId,
      input.modelId,
    );
    const from = resolved.runId
      ? `run ${resolved.runId} (${resolved.source})`
      : resolved.source;
    return this.options.store.createVersion(
      {
        name: model.name,
        ...resolved,
        description: input.description,
        userId: caller.userId,
        tags,
      },
      {
        actor: actorOf(caller),
        action: 'version.created',
        detail: `registered from ${from}${
          resolved.modelId ? `, logged model ${resolved.modelId}` : ''
        }`,
      },
    );
  }

  /** The portal's register: the model is created (owned by the caller's group) when new. */
  async registerFromRun(
    caller: Caller,
    name: unknown,
    input: { runId: string; artifactPath?: string; description?: string },
  ): Promise<ModelVersion> {
    const modelName = validateModelName(name);
    // A run the caller cannot read leaves no empty model behind.
    await this.options.runs.getRun(caller, input.runId);
    if (!(await this.options.store.getModel(modelName))) {
      try {
        await this.createModel(caller, { name: modelName });
      } catch (error) {
        // Registered by someone else meanwhile: go on with theirs.
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    const artifactPath = trimLeading(input.artifactPath ?? 'model', '/');
    return this.createVersion(caller, {
      name: modelName,
      source: `runs:/${input.runId}/${artifactPath}`,
      runId: input.runId,
      description: input.description,
    });
  }

  async getVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<ModelVersion> {
    return this.models.readableVersion(caller, name, version);
  }

  async getVersionDetails(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<ModelVersionDetails> {
    const found = await this.getVersion(caller, name, version);
    const { store, runs, promotions } = this.options;
    const model = await this.models.storedModel(found.name);
    const [run, modelMetrics, requests, audit] = await Promise.all([
      found.runId ? runs.latestMetrics(found.runId) : undefined,
      found.modelId ? runs.loggedModelMetrics?.(found.modelId) : undefined,
      promotions.requestsOf(found.name, found.version),
      store.listAudit(model.modelId, {
        version: found.version,
        limit: AUDIT_LIMIT,
      }),
    ]);
    return {
      ...found,
      owner: model.owner,
      // A logged model's own metrics (MLflow 3) over its run's.
      metrics: { ...run?.metrics, ...modelMetrics },
      runName: run?.runName,
      promotions: requests,
      audit,
    };
  }

  async searchVersions(
    caller: Caller,
    request: RegistrySearchRequest,
  ): Promise<Page<ModelVersion>> {
    const page = await this.searchReadable(
      caller,
      request,
      MAX_RESULTS.versions,
      (search, window) => this.options.store.searchVersions(search, window),
    );
    return { ...page, items: page.items.map(({ owner: _, ...v }) => v) };
  }

  async latestVersions(
    caller: Caller,
    name: unknown,
    stages: string[],
  ): Promise<ModelVersion[]> {
    const model = await this.models.readableModel(caller, name);
    return this.options.store.latestVersions(
      model.name,
      stages.map(canonicalStage),
    );
  }

  async updateVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
    description: unknown,
  ): Promise<ModelVersion> {
    const found = await this.models.writableVersion(caller, name, version);
    return this.options.store.updateVersion(
      found.name,
      found.version,
      { description: String(description ?? '') },
      versionAudit(caller, found, 'version.updated', 'updated the description'),
    );
  }

  async deleteVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<void> {
    const found = await this.models.writableVersion(
      caller,
      name,
      version,
      'delete versions of',
      mlModelDeletePermission,
    );
    this.options.promotions.refuseProtected(
      found.aliases.map(alias => ({ alias, version: found.version })),
      `version ${found.version} of model '${found.name}'`,
    );
    const aliases = found.aliases.length
      ? ` (aliases ${found.aliases.join(', ')} removed)`
      : '';
    await this.options.store.deleteVersion(
      found.name,
      found.version,
      versionAudit(
        caller,
        found,
        'version.deleted',
        `deleted version ${found.version}${aliases}`,
      ),
    );
  }

  async setVersionTag(
    caller: Caller,
    name: unknown,
    version: unknown,
    tag: { key: unknown; value: unknown },
  ): Promise<void> {
    const found = await this.models.writableVersion(caller, name, version);
    const valid = validateTag(tag);
    await this.options.store.setVersionTag(
      found.name,
      found.version,
      valid,
      versionAudit(
        caller,
        found,
        'version.tag.set',
        `set tag ${valid.key}=${valid.value}`,
      ),
    );
  }

  async deleteVersionTag(
    caller: Caller,
    name: unknown,
    version: unknown,
    key: unknown,
  ): Promise<void> {
    const found = await this.models.writableVersion(caller, name, version);
    const validKey = validateTag({ key, value: '' }).key;
    await this.options.store.deleteVersionTag(
      found.name,
      found.version,
      validKey,
      versionAudit(
        caller,
        found,
        'version.tag.deleted',
        `deleted tag ${validKey}`,
      ),
    );
  }

  async transitionStage(
    caller: Caller,
    name: unknown,
    version: unknown,
    stage: unknown,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw new InputError(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(
          ', ',
        )}`,
      );
    }
    const found = await this.models.writableVersion(caller, name, version);
    // A stage named like a protected alias would move a model to production unapproved.
    const governingAlias = target.toLowerCase();
    if (this.options.promotions.protectedAliases.includes(governingAlias)) {
      throw new NotAllowedError(
        `Stage '${target}' is governed by the protected alias '${governingAlias}': set that alias to version ${found.version} to request a promotion; the request needs approval`,
      );
    }
    return this.options.store.transitionStage(
      found.name,
      found.version,
      target,
      archiveExistingVersions,
      versionAudit(
        caller,
        found,
        'version.stage',
        `moved version ${found.version} from ${
          found.currentStage
        } to ${target}${
          archiveExistingVersions ? `, archiving other ${target} versions` : ''
        }`,
      ),
    );
  }

  async getDownloadUri(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<string> {
    const found = await this.getVersion(caller, name, version);
    // A `models:/<model_id>` source is stored where the logged model's files are.
    const { getLoggedModel } = this.options.runs;
    if (
      found.modelId &&
      found.source.startsWith('models:/') &&
      getLoggedModel
    ) {
      return (await getLoggedModel(caller, found.modelId)).artifactUri;
    }
    return found.source;
  }

  // ---- aliases --------------------------------------------------------------

  async getVersionByAlias(
    caller: Caller,
    name: unknown,
    alias: unknown,
  ): Promise<ModelVersion> {
    const aliasName = validateAlias(alias);
    // A missing model is told apart from a missing alias.
    const model = await this.models.readableModel(caller, name);
    const found = await this.options.store.getVersionByAlias(
      model.name,
      aliasName,
    );
    if (!found) {
      throw new NotFoundError(`Registered model alias ${aliasName} not found.`);
    }
    return found;
  }

  // ---- helpers --------------------------------------------------------------

  /**
   * One page of a registry search, of the items the caller may read: `max_results + 1`
   * rows tell whether another page follows, whatever the filter leaves out.
   */
  private async searchReadable<T extends { owner: string }>(
    caller: Caller,
    request: RegistrySearchRequest,
    bounds: { fallback: number; max: number },
    search: (
      search: RegistrySearch,
      window: PageWindow,
    ) => Promise<{ items: T[]; hasMore: boolean }>,
  ): Promise<Page<T>> {
    const limit = pageSize(request.maxResults, bounds);
    const offset = decodePageToken(request.pageToken);
    const { items, hasMore } = await search(
      { filter: request.filter, orderBy: request.orderBy },
      { offset, limit },
    );
    return {
      items: await this.models.readable(caller, items, item => item.owner),
      nextPageToken: hasMore ? encodePageToken(offset + limit) : undefined,
    };
  }
}
