import path from 'node:path';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  mlModelCreatePermission,
  mlModelDeletePermission,
  MlModelPermission,
  mlModelReadPermission,
  mlModelUpdatePermission,
  ModelVersion,
  ModelVersionDetails,
  ModelVersionStage,
  Page,
  PromotionRequest,
  PromotionRequestStatus,
  RegisteredModel,
  RegisteredModelDetails,
  RegistryAuditEvent,
  Run,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { decodePageToken, encodePageToken } from '../shared/paging';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { validateTag } from '../shared/validation';
import { LineageNodeDescriber } from '../shared/lineage';
import {
  describeGate,
  evaluateGates,
  GATE_TAG_PREFIX,
  gatesFor,
  parseGateTag,
  RegistryPolicy,
} from './gates';
import { RegistrySearch } from './search';
import { trimBoth, trimLeading, trimTrailing } from '../shared/strings';
import { PageWindow } from '../shared/paging';
import {
  AuditEntry,
  RegistryStore,
  StoredModel,
  StoredPromotion,
} from './RegistryStore';

/**
 * What the registry reads of runs: a run as the caller may read it (registering from
 * a run needs read access to it), and a run's latest metrics whoever asks (snapshots
 * for promotion requests, which other teams' approvers decide).
 *
 * @internal
 */
export interface RegistryRuns {
  /** NotFoundError or NotAllowedError when the caller may not read it. */
  getRun(caller: Caller, runId: string): Promise<Run>;
  /** undefined when the run does not exist (any more). */
  latestMetrics(
    runId: string,
  ): Promise<{ metrics: Record<string, number>; runName: string } | undefined>;
}

const STAGES: ModelVersionStage[] = [
  'None',
  'Staging',
  'Production',
  'Archived',
];
const ACTIVE_STAGES: ModelVersionStage[] = ['Staging', 'Production'];
const MAX_RESULTS = {
  models: { fallback: 100, max: 1000 },
  versions: { fallback: 10000, max: 200000 },
};
const MODEL_NAME_LENGTH = 256;
const ALIAS_LENGTH = 255;
const LIST_LIMIT = 200;

/** MLflow's canonical stage for any casing; InputError naming the valid ones. @internal */
export function canonicalStage(stage: unknown): ModelVersionStage {
  const found = STAGES.find(
    s => s.toLowerCase() === String(stage ?? '').toLowerCase(),
  );
  if (!found) {
    throw new InputError(
      `Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(
        ', ',
      )}.`,
    );
  }
  return found;
}

function validateModelName(name: unknown, parameter = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InputError(
      parameter === 'name'
        ? 'Registered model name cannot be empty.'
        : `Missing value for required parameter '${parameter}'.`,
    );
  }
  if (name.length > MODEL_NAME_LENGTH) {
    throw new InputError(
      `Registered model name '${name.slice(
        0,
        20,
      )}...' exceeds the maximum length of ${MODEL_NAME_LENGTH} characters`,
    );
  }
  return name;
}

function validateVersion(version: unknown): string {
  const text = String(version ?? '');
  if (!/^[1-9]\d{0,9}$/.test(text)) {
    throw new InputError(`Model version must be an integer, got '${text}'`);
  }
  return text;
}

/** MLflow's alias rules (mlflow/utils/validation.py). */
function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') {
    throw new InputError('Registered model alias name cannot be empty.');
  }
  if (!/^[\w-]*$/.test(alias)) {
    throw new InputError(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.length > ALIAS_LENGTH) {
    throw new InputError(
      `alias name '${alias.slice(
        0,
        20,
      )}...' exceeds the maximum length of ${ALIAS_LENGTH} characters`,
    );
  }
  if (alias.toLowerCase() === 'latest') {
    throw new InputError("'latest' alias name (case insensitive) is reserved.");
  }
  if (/^[vV]\d+$/.test(alias)) {
    throw new InputError(`Version alias name '${alias}' is reserved.`);
  }
  return alias;
}

/** A list of tags, each as `validate` checks it. */
function validateTags(
  tags: unknown,
  validate: (tag: unknown) => Tag = validateTag,
): Tag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) {
    throw new InputError(
      "Invalid value for parameter 'tags': expected a list.",
    );
  }
  return tags.map(validate);
}

/** A model tag as MLflow validates it; a gate tag must state a gate. */
function validateModelTag(input: unknown): Tag {
  const tag = validateTag(input);
  if (tag.key.startsWith(GATE_TAG_PREFIX)) parseGateTag(tag);
  return tag;
}

function pageSize(
  requested: number | undefined,
  bounds: { fallback: number; max: number },
) {
  const size = requested ?? bounds.fallback;
  if (!Number.isSafeInteger(size) || size < 1 || size > bounds.max) {
    throw new InputError(
      `Invalid value for request parameter max_results. It must be at most ${bounds.max}, but got value ${requested}`,
    );
  }
  return size;
}

const hasScheme = (uri: string) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri);
const isLocalSource = (uri: string) =>
  !hasScheme(uri) || uri.startsWith('file:');
const localPath = (uri: string) =>
  path.posix.normalize(uri.replace(/^file:(\/\/)?/, ''));

/** What a request asks, e.g. `moving alias 'production' to version 3`. */
const describeRequest = (request: StoredPromotion) =>
  request.action === 'remove'
    ? `removing alias '${request.alias}' from version ${request.version}`
    : `moving alias '${request.alias}' to version ${request.version}`;

const actorOf = (caller: Caller) => caller.userId ?? 'anonymous';

/** A search request of MLflow's registry endpoints. */
type RegistrySearchRequest = {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
};

/** One page of a registry search: `max_results + 1` rows tell whether another follows. */
async function searchPage<T>(
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
    items,
    nextPageToken: hasMore ? encodePageToken(offset + limit) : undefined,
  };
}

/**
 * The model registry: the one implementation behind the MLflow registry API and the
 * portal API. Models belong to their creator's group; reads and writes are authorised
 * by the permission framework (`ml.model.*`, owner-conditional in the portal's policy).
 * Protected aliases move only through approved promotion requests whose gates pass;
 * who approves is registry policy, not a permission. Every change lands with its
 * audit event.
 *
 * @internal
 */
export class RegistryService {
  constructor(
    private readonly options: {
      store: RegistryStore;
      runs: RegistryRuns;
      access: AccessControl;
      policy: RegistryPolicy;
    },
  ) {}

  get protectedAliases(): string[] {
    return this.options.policy.protectedAliases;
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
    return publicModel(await this.readableModel(caller, name));
  }

  /** Every model with its versions' lineage ids, for the catalog. */
  /** Every model the caller may read, with its version ids (the catalog's assets). */
  async listModelsWithVersionIds(caller: Caller) {
    return this.options.access.filter(
      caller,
      mlModelReadPermission,
      await this.options.store.listModelsWithVersionIds(),
      m => m.owner,
    );
  }

  async searchModels(
    caller: Caller,
    request: RegistrySearchRequest,
  ): Promise<Page<RegisteredModel>> {
    const page = await searchPage(
      request,
      MAX_RESULTS.models,
      (search, window) => this.options.store.searchModels(search, window),
    );
    const readable = await this.options.access.filter(
      caller,
      mlModelReadPermission,
      page.items,
      m => m.owner,
    );
    return { ...page, items: readable.map(publicModel) };
  }

  async renameModel(
    caller: Caller,
    name: unknown,
    newName: unknown,
  ): Promise<RegisteredModel> {
    const model = await this.writableModel(caller, name, 'rename');
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
    const model = await this.writableModel(caller, name, 'update');
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
    const model = await this.writableModel(
      caller,
      name,
      'delete',
      mlModelDeletePermission,
    );
    this.refuseProtected(model.aliases, `model '${model.name}'`);
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
    const model = await this.writableModel(caller, name, 'tag');
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
    const model = await this.writableModel(caller, name, 'tag');
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
    const model = await this.readableModel(caller, name);
    const { store } = this.options;
    const [versions, promotions] = await Promise.all([
      store.listVersions(model.name),
      store.listPromotions({ modelName: model.name, limit: LIST_LIMIT }),
    ]);
    return {
      ...publicModel(model),
      versions,
      promotions: promotions.map(p => this.publicPromotion(p)),
      protectedAliases: this.protectedAliases,
      canApprove: this.canApprove(caller, model.owner),
    };
  }

  async listAudit(
    caller: Caller,
    name: unknown,
  ): Promise<RegistryAuditEvent[]> {
    const model = await this.readableModel(caller, name);
    return this.options.store.listAudit(model.modelId, { limit: 500 });
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
      description?: string;
      tags?: unknown;
    },
  ): Promise<ModelVersion> {
    const model = await this.writableModel(
      caller,
      input.name,
      'add versions to',
    );
    const tags = validateTags(input.tags);
    const resolved = await this.resolveSource(
      caller,
      input.source,
      input.runId,
    );
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
        detail: resolved.runId
          ? `registered from run ${resolved.runId} (${resolved.source})`
          : `registered from ${resolved.source}`,
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
    const found = await this.storedVersion(name, version);
    await this.readableModel(caller, found.name);
    return found;
  }

  async getVersionDetails(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<ModelVersionDetails> {
    const found = await this.getVersion(caller, name, version);
    const { store, runs } = this.options;
    const model = (await store.getModel(found.name))!;
    const [run, promotions, audit] = await Promise.all([
      found.runId ? runs.latestMetrics(found.runId) : undefined,
      store.listPromotions({
        modelName: found.name,
        version: found.version,
        limit: LIST_LIMIT,
      }),
      store.listAudit(model.modelId, { version: found.version, limit: 500 }),
    ]);
    return {
      ...found,
      owner: model.owner,
      metrics: run?.metrics ?? {},
      runName: run?.runName,
      promotions: promotions.map(p => this.publicPromotion(p)),
      audit,
    };
  }

  async searchVersions(
    caller: Caller,
    request: RegistrySearchRequest,
  ): Promise<Page<ModelVersion>> {
    const page = await searchPage(
      request,
      MAX_RESULTS.versions,
      (search, window) => this.options.store.searchVersions(search, window),
    );
    const readable = await this.readableNames(
      caller,
      page.items.map(v => v.name),
    );
    return { ...page, items: page.items.filter(v => readable.has(v.name)) };
  }

  async latestVersions(
    caller: Caller,
    name: unknown,
    stages: string[],
  ): Promise<ModelVersion[]> {
    const model = await this.readableModel(caller, name);
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
    const found = await this.writableVersion(caller, name, version);
    return this.options.store.updateVersion(
      found.name,
      found.version,
      { description: String(description ?? '') },
      this.versionAudit(
        caller,
        found,
        'version.updated',
        'updated the description',
      ),
    );
  }

  async deleteVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<void> {
    const found = await this.writableVersion(
      caller,
      name,
      version,
      'delete versions of',
      mlModelDeletePermission,
    );
    this.refuseProtected(
      found.aliases.map(alias => ({ alias, version: found.version })),
      `version ${found.version} of model '${found.name}'`,
    );
    const aliases = found.aliases.length
      ? ` (aliases ${found.aliases.join(', ')} removed)`
      : '';
    await this.options.store.deleteVersion(
      found.name,
      found.version,
      this.versionAudit(
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
    const found = await this.writableVersion(caller, name, version);
    const valid = validateTag(tag);
    await this.options.store.setVersionTag(
      found.name,
      found.version,
      valid,
      this.versionAudit(
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
    const found = await this.writableVersion(caller, name, version);
    const validKey = validateTag({ key, value: '' }).key;
    await this.options.store.deleteVersionTag(
      found.name,
      found.version,
      validKey,
      this.versionAudit(
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
    const found = await this.writableVersion(caller, name, version);
    // A stage named like a protected alias would move a model to production unapproved.
    const governingAlias = target.toLowerCase();
    if (this.protectedAliases.includes(governingAlias)) {
      throw new NotAllowedError(
        `Stage '${target}' is governed by the protected alias '${governingAlias}': set that alias to version ${found.version} to request a promotion; the request needs approval`,
      );
    }
    return this.options.store.transitionStage(
      found.name,
      found.version,
      target,
      archiveExistingVersions,
      this.versionAudit(
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
    return (await this.getVersion(caller, name, version)).source;
  }

  // ---- aliases and promotions ---------------------------------------------

  async getVersionByAlias(
    caller: Caller,
    name: unknown,
    alias: unknown,
  ): Promise<ModelVersion> {
    const aliasName = validateAlias(alias);
    // A missing model is told apart from a missing alias.
    const model = await this.readableModel(caller, name);
    const found = await this.options.store.getVersionByAlias(
      model.name,
      aliasName,
    );
    if (!found) {
      throw new NotFoundError(`Registered model alias ${aliasName} not found.`);
    }
    return found;
  }

  /**
   * MLflow's set-alias: an unprotected alias moves at once; a protected one becomes
   * (or finds) a pending promotion request, which is returned.
   */
  async setAlias(
    caller: Caller,
    name: unknown,
    alias: unknown,
    version: unknown,
  ): Promise<PromotionRequest | undefined> {
    const aliasName = validateAlias(alias);
    if (this.protectedAliases.includes(aliasName)) {
      return this.requestPromotion(caller, name, {
        alias: aliasName,
        version,
      });
    }
    const found = await this.writableVersion(caller, name, version);
    const metrics = await this.checkUnprotectedGates(found, aliasName);
    await this.options.store.setAlias(found.name, aliasName, found.version, {
      ...this.versionAudit(
        caller,
        found,
        'alias.set',
        `set alias '${aliasName}' to version ${found.version}`,
      ),
      metrics,
    });
    return undefined;
  }

  /**
   * MLflow's delete-alias: an unprotected alias goes at once; a protected one becomes
   * (or finds) a pending removal request, which is returned, as setting one does.
   */
  async deleteAlias(
    caller: Caller,
    name: unknown,
    alias: unknown,
  ): Promise<PromotionRequest | undefined> {
    const model = await this.writableModel(caller, name, 'change aliases of');
    const aliasName = validateAlias(alias);
    const from = model.aliases.find(a => a.alias === aliasName)?.version;
    if (this.protectedAliases.includes(aliasName) && from) {
      return this.requestRemoval(caller, model, aliasName, from);
    }
    await this.options.store.deleteAlias(model.name, aliasName, {
      actor: actorOf(caller),
      action: 'alias.deleted',
      detail: `deleted alias '${aliasName}'${
        from ? ` (was version ${from})` : ''
      }`,
      version: from,
    });
    return undefined;
  }

  /**
   * Asks for a protected alias to come off the version it points to: the rollback path
   * goes through the same approvers as the promotion did.
   */
  private async requestRemoval(
    caller: Caller,
    model: StoredModel,
    alias: string,
    version: string,
  ): Promise<PromotionRequest> {
    const { store } = this.options;
    const pending = await store.findPendingPromotion(
      model.name,
      alias,
      version,
      'remove',
    );
    if (pending) return this.publicPromotion(pending);
    const found = await this.storedVersion(model.name, version);
    const request = await store.createPromotion(
      {
        modelName: model.name,
        version,
        alias,
        action: 'remove',
        requestedBy: actorOf(caller),
        metrics: {},
        gates: [],
      },
      [
        this.versionAudit(
          caller,
          found,
          'promotion.requested',
          `requested removing protected alias '${alias}' from version ${version}`,
        ),
      ],
    );
    return this.publicPromotion(request);
  }

  /** Refuses to delete versions a protected alias points to: its removal needs approval first. */
  private refuseProtected(
    aliases: Array<{ alias: string; version: string }>,
    what: string,
  ) {
    const held = aliases.filter(a => this.protectedAliases.includes(a.alias));
    if (held.length > 0) {
      throw new NotAllowedError(
        `Cannot delete ${what}: ${held
          .map(
            a => `protected alias '${a.alias}' points to version ${a.version}`,
          )
          .join(
            ', ',
          )}. Delete the alias first; removing a protected alias is a request an approver decides.`,
      );
    }
  }

  /**
   * The portal's promote: a protected alias gets a pending request (or the identical
   * one already pending); an unprotected one moves at once, recorded as an approved
   * request.
   */
  async requestPromotion(
    caller: Caller,
    name: unknown,
    input: { alias: unknown; version: unknown; reason?: string },
  ): Promise<PromotionRequest> {
    const { store } = this.options;
    const alias = validateAlias(input.alias);
    const found = await this.getVersion(caller, name, input.version);
    const actor = actorOf(caller);
    if (!this.protectedAliases.includes(alias)) {
      await this.writableModel(caller, found.name, 'change aliases of');
      const metrics = (await this.checkUnprotectedGates(found, alias)) ?? {};
      const request = await store.createPromotion(
        {
          modelName: found.name,
          version: found.version,
          alias,
          requestedBy: actor,
          reason: input.reason,
          metrics,
          gates: [],
        },
        [
          {
            ...this.versionAudit(
              caller,
              found,
              'alias.set',
              `set alias '${alias}' to version ${found.version}`,
            ),
            metrics,
          },
        ],
        actor,
      );
      return this.publicPromotion(request);
    }

    // Any team that reads the model may ask for a protected alias (approvers decide);
    // a caller of no team, such as an unmapped service token, may not.
    this.options.access.assertMember(caller, 'request promotions');
    const pending = await store.findPendingPromotion(
      found.name,
      alias,
      found.version,
    );
    if (pending) return this.publicPromotion(pending);
    const model = (await store.getModel(found.name))!;
    const metrics = await this.metricsOf(found);
    const gates = evaluateGates(
      gatesFor(this.options.policy, alias, model.tags),
      {
        version: found.version,
        runId: found.runId,
        metrics,
      },
    );
    try {
      const request = await store.createPromotion(
        {
          modelName: found.name,
          version: found.version,
          alias,
          requestedBy: actor,
          reason: input.reason,
          metrics,
          gates,
        },
        [
          {
            ...this.versionAudit(
              caller,
              found,
              'promotion.requested',
              `requested moving alias '${alias}' to version ${found.version}${
                input.reason ? `: ${input.reason}` : ''
              }`,
            ),
            metrics,
          },
        ],
      );
      return this.publicPromotion(request);
    } catch (error) {
      // The identical request was made meanwhile: it is the answer.
      if (!(error instanceof ConflictError)) throw error;
      const raced = await store.findPendingPromotion(
        found.name,
        alias,
        found.version,
      );
      if (!raced) throw error;
      return this.publicPromotion(raced);
    }
  }

  async listPromotions(
    caller: Caller,
    query: { status?: PromotionRequestStatus; mine?: boolean },
  ): Promise<PromotionRequest[]> {
    const { policy, store } = this.options;
    const groups = this.groupsOf(caller);
    const approvesAll =
      policy.approverGroup !== undefined && groups.has(policy.approverGroup);
    const requests = await store.listPromotions({
      status: query.status,
      limit: LIST_LIMIT,
      ...(query.mine && {
        modelOwners: approvesAll ? undefined : [...groups],
        notRequestedBy: policy.allowSelfApproval ? undefined : actorOf(caller),
      }),
    });
    const readable = await this.options.access.filter(
      caller,
      mlModelReadPermission,
      requests,
      r => r.modelOwner,
    );
    return readable.map(r => this.publicPromotion(r));
  }

  /**
   * Approves a pending request: the caller must be in an approver group (and not the
   * requester, unless self-approval is allowed) and every gate must pass on the source
   * run's metrics now. The alias moves in the transaction that records the decision.
   */
  /**
   * The gates of a request to move an alias, on the source run's metrics now; a
   * ConflictError names each that fails. Approvers decide by registry policy, whatever
   * the permission policy lets them read.
   */
  private async passingGates(request: StoredPromotion) {
    const { store, policy } = this.options;
    const version = await this.storedVersion(
      request.modelName,
      request.version,
    );
    const model = (await store.getModel(request.modelName))!;
    const metrics = await this.metricsOf(version);
    const gates = evaluateGates(gatesFor(policy, request.alias, model.tags), {
      version: version.version,
      runId: version.runId,
      metrics,
    });
    const failed = gates.filter(g => !g.passed);
    if (failed.length > 0) {
      throw new ConflictError(
        `Promotion request ${request.id} cannot be approved: ${failed
          .map(g => `gate '${describeGate(g.gate)}' failed (${g.detail})`)
          .join('; ')}`,
      );
    }
    return { metrics, gates };
  }

  async approvePromotion(
    caller: Caller,
    requestId: string,
    comment?: string,
  ): Promise<PromotionRequest> {
    const { store, policy } = this.options;
    const request = await this.pendingRequest(requestId);
    const actor = actorOf(caller);
    this.assertApprover(caller, request, 'approve');
    if (!policy.allowSelfApproval && request.requestedBy === actor) {
      throw new NotAllowedError(
        `${actor} may not approve their own promotion request ${request.id}; another approver must decide it`,
      );
    }
    // Taking a protected alias off is the rollback path: no gates, the same approvers.
    const checked =
      request.action === 'remove'
        ? undefined
        : await this.passingGates(request);
    const decided = await store.decidePromotion(
      request.id,
      { status: 'APPROVED', by: actor, comment, ...checked },
      {
        actor,
        action: 'promotion.approved',
        detail: `approved ${describeRequest(request)} (requested by ${
          request.requestedBy
        })${comment ? `: ${comment}` : ''}`,
        version: request.version,
        metrics: checked?.metrics,
      },
    );
    return this.publicPromotion(decided);
  }

  async rejectPromotion(
    caller: Caller,
    requestId: string,
    comment: string | undefined,
  ): Promise<PromotionRequest> {
    if (!comment?.trim()) {
      throw new InputError('A rejection needs a comment saying why');
    }
    const request = await this.pendingRequest(requestId);
    this.assertApprover(caller, request, 'reject');
    const actor = actorOf(caller);
    const decided = await this.options.store.decidePromotion(
      request.id,
      { status: 'REJECTED', by: actor, comment },
      {
        actor,
        action: 'promotion.rejected',
        detail: `rejected moving alias '${request.alias}' to version ${request.version}: ${comment}`,
        version: request.version,
      },
    );
    return this.publicPromotion(decided);
  }

  async cancelPromotion(
    caller: Caller,
    requestId: string,
  ): Promise<PromotionRequest> {
    const request = await this.pendingRequest(requestId);
    const actor = actorOf(caller);
    if (request.requestedBy !== actor) {
      throw new NotAllowedError(
        `Only ${request.requestedBy}, who made promotion request ${request.id}, may cancel it`,
      );
    }
    const decided = await this.options.store.decidePromotion(
      request.id,
      { status: 'CANCELLED', by: actor },
      {
        actor,
        action: 'promotion.cancelled',
        detail: `cancelled the request to move alias '${request.alias}' to version ${request.version}`,
        version: request.version,
      },
    );
    return this.publicPromotion(decided);
  }

  /** Draws `model_version` lineage nodes: `<name> v<version>`, aliases or stage, owner, page. */
  readonly describeVersions: LineageNodeDescriber = async ids => {
    const versions = await this.options.store.getVersionsById(ids);
    return new Map(
      versions.map(v => {
        const aliases = v.aliases.map(a => `@${a}`).join(', ');
        const stage = v.currentStage !== 'None' ? v.currentStage : undefined;
        return [
          v.id,
          {
            label: `${v.name} v${v.version}`,
            subtitle: aliases || stage,
            owner: v.owner,
            path: `models/${encodeURIComponent(v.name)}/versions/${v.version}`,
          },
        ];
      }),
    );
  };

  // ---- helpers --------------------------------------------------------------

  /** The caller's groups: memberships only, never the default owner. */
  private groupsOf(caller: Caller): Set<string> {
    return new Set(caller.groups);
  }

  private approverGroups(modelOwner: string): string[] {
    const { approverGroup } = this.options.policy;
    return [
      ...new Set([modelOwner, ...(approverGroup ? [approverGroup] : [])]),
    ];
  }

  private canApprove(caller: Caller, modelOwner: string): boolean {
    const groups = this.groupsOf(caller);
    return this.approverGroups(modelOwner).some(g => groups.has(g));
  }

  private assertApprover(
    caller: Caller,
    request: StoredPromotion,
    verb: string,
  ) {
    if (!this.canApprove(caller, request.modelOwner)) {
      throw new NotAllowedError(
        `${actorOf(caller)} may not ${verb} promotion requests of model '${
          request.modelName
        }': approvers are members of ${this.approverGroups(
          request.modelOwner,
        ).join(' or ')}`,
      );
    }
  }

  private async pendingRequest(requestId: string): Promise<StoredPromotion> {
    const request = await this.options.store.getPromotion(requestId);
    if (!request) {
      throw new NotFoundError(`No promotion request with id '${requestId}'`);
    }
    if (request.status !== 'PENDING') {
      throw new ConflictError(
        `Promotion request ${requestId} is ${request.status}, no longer PENDING`,
      );
    }
    return request;
  }

  private async storedModel(name: unknown): Promise<StoredModel> {
    const modelName = validateModelName(name);
    const model = await this.options.store.getModel(modelName);
    if (!model) {
      throw new NotFoundError(
        `Registered Model with name=${modelName} not found`,
      );
    }
    return model;
  }

  private async storedVersion(
    name: unknown,
    version: unknown,
  ): Promise<ModelVersion> {
    const modelName = validateModelName(name);
    const number = validateVersion(version);
    const found = await this.options.store.getVersion(modelName, number);
    if (!found) {
      throw new NotFoundError(
        `Model Version (name=${modelName}, version=${number}) not found`,
      );
    }
    return found;
  }

  private async readableModel(
    caller: Caller,
    name: unknown,
  ): Promise<StoredModel> {
    const model = await this.storedModel(name);
    await this.authorize(caller, mlModelReadPermission, model, 'read');
    return model;
  }

  /** The model if the caller may change it: `ml.model.update`, or the given permission. */
  private async writableModel(
    caller: Caller,
    name: unknown,
    verb: string,
    permission: MlModelPermission = mlModelUpdatePermission,
  ): Promise<StoredModel> {
    const model = await this.storedModel(name);
    await this.authorize(caller, permission, model, verb);
    return model;
  }

  private async writableVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
    verb = 'change versions of',
    permission: MlModelPermission = mlModelUpdatePermission,
  ): Promise<ModelVersion> {
    const model = await this.writableModel(caller, name, verb, permission);
    return this.storedVersion(model.name, version);
  }

  private async authorize(
    caller: Caller,
    permission: MlModelPermission,
    model: StoredModel,
    verb: string,
  ): Promise<void> {
    try {
      await this.options.access.authorize(caller, permission, {
        owner: model.owner,
        describe: `model '${model.name}'`,
      });
    } catch (error) {
      // The registry's own verb ("rename", "promote") says more than the permission's.
      if (!(error instanceof NotAllowedError)) throw error;
      throw new NotAllowedError(
        `${actorOf(caller)} may not ${verb} model '${model.name}' owned by ${
          model.owner
        }`,
      );
    }
  }

  /** The names among `names` whose models the caller may read. */
  private async readableNames(
    caller: Caller,
    names: string[],
  ): Promise<Set<string>> {
    const distinct = [...new Set(names)];
    const models = (
      await Promise.all(distinct.map(name => this.options.store.getModel(name)))
    ).filter((m): m is StoredModel => m !== undefined);
    const readable = await this.options.access.filter(
      caller,
      mlModelReadPermission,
      models,
      m => m.owner,
    );
    return new Set(readable.map(m => m.name));
  }

  private versionAudit(
    caller: Caller,
    version: ModelVersion,
    action: string,
    detail: string,
  ): AuditEntry {
    return { actor: actorOf(caller), action, detail, version: version.version };
  }

  private async metricsOf(
    version: ModelVersion,
  ): Promise<Record<string, number>> {
    if (!version.runId) return {};
    return (
      (await this.options.runs.latestMetrics(version.runId))?.metrics ?? {}
    );
  }

  /** Configured gates of an unprotected alias must pass too; their metrics are audited. */
  private async checkUnprotectedGates(
    version: ModelVersion,
    alias: string,
  ): Promise<Record<string, number> | undefined> {
    const gates = gatesFor(this.options.policy, alias, []);
    if (gates.length === 0) return undefined;
    const metrics = await this.metricsOf(version);
    const failed = evaluateGates(gates, {
      version: version.version,
      runId: version.runId,
      metrics,
    }).filter(g => !g.passed);
    if (failed.length > 0) {
      throw new ConflictError(
        `Alias '${alias}' cannot move to version ${version.version}: ${failed
          .map(g => `gate '${describeGate(g.gate)}' failed (${g.detail})`)
          .join('; ')}`,
      );
    }
    return metrics;
  }

  private publicPromotion(request: StoredPromotion): PromotionRequest {
    const { modelId: _m, modelOwner, versionId: _v, ...rest } = request;
    return { ...rest, approverGroups: this.approverGroups(modelOwner) };
  }

  private async resolveSource(
    caller: Caller,
    rawSource: unknown,
    rawRunId: string | undefined,
  ): Promise<{ source: string; runId?: string; experimentId?: string }> {
    if (typeof rawSource !== 'string' || rawSource === '') {
      throw new InputError(
        "Missing value for required parameter 'source'. See the API docs for more information about request parameters.",
      );
    }
    let source = rawSource;
    let runId = rawRunId || undefined;
    const runsUri = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(rawSource);
    if (runsUri) {
      if (runId && runId !== runsUri[1]) {
        throw new InputError(
          `The run_id '${runId}' differs from the run of source '${rawSource}'`,
        );
      }
      runId = runsUri[1];
    }
    if (!runId) {
      if (isLocalSource(source)) throw invalidLocalSource(source);
      return { source };
    }
    const run = await this.options.runs.getRun(caller, runId);
    const root = trimTrailing(run.info.artifactUri, '/');
    if (runsUri) {
      const artifactPath = trimBoth(runsUri[2] ?? '', '/');
      if (artifactPath.split('/').includes('..')) {
        throw new InputError(`Invalid model version source: '${rawSource}'`);
      }
      source = artifactPath ? `${root}/${artifactPath}` : root;
    } else if (isLocalSource(source)) {
      const inside =
        isLocalSource(root) &&
        (localPath(source) + '/').startsWith(`${localPath(root)}/`);
      if (!inside) throw invalidLocalSource(source);
    }
    return { source, runId, experimentId: run.info.experimentId };
  }
}

function invalidLocalSource(source: string) {
  return new InputError(
    `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
  );
}

function publicModel(model: StoredModel): RegisteredModel {
  const { modelId: _id, ...rest } = model;
  return rest;
}

/**
 * The registry's view of runs over tracking: permission-checked reads through the
 * service, metric snapshots straight from the store.
 *
 * @internal
 */
export function registryRunsFrom(options: {
  tracking: { getRun(caller: Caller, runId: string): Promise<Run> };
  store: { getRun(runId: string): Promise<Run | undefined> };
}): RegistryRuns {
  return {
    getRun: (caller, runId) => options.tracking.getRun(caller, runId),
    async latestMetrics(runId) {
      const run = await options.store.getRun(runId);
      if (!run) return undefined;
      return {
        metrics: Object.fromEntries(
          run.data.metrics.map(metric => [metric.key, metric.value]),
        ),
        runName: run.info.runName,
      };
    },
  };
}
