import {
  ModelVersion,
  ModelVersionStage,
  PromotionRequest,
  PromotionRequestStatus,
  RegisteredModel,
  RegistryAuditEvent,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { PageWindow } from '../shared/paging';
import { RegistrySearch } from './search';

/** A registered model with its stable id. @internal */
export type StoredModel = RegisteredModel & { modelId: string };

/**
 * A promotion request as stored: who may decide it is policy (config plus the model's
 * owner) and is added by the service.
 *
 * @internal
 */
export type StoredPromotion = Omit<PromotionRequest, 'approverGroups'> & {
  modelId: string;
  modelOwner: string;
  /** The id of the version the request would move the alias to. */
  versionId: string;
};

/** The audit event a write lands with; the store adds id, time and model. @internal */
export type AuditEntry = Pick<
  RegistryAuditEvent,
  'actor' | 'action' | 'detail'
> &
  Partial<Pick<RegistryAuditEvent, 'version' | 'metrics' | 'requestId'>>;

/**
 * A decision on a pending request; `APPROVED` moves (or removes) the alias in the same
 * transaction.
 *
 * @internal
 */
export type PromotionDecision = {
  status: Exclude<PromotionRequestStatus, 'PENDING'>;
  by: string;
  comment?: string;
  /** The metrics and gate results the approval was decided on. */
  metrics?: Record<string, number>;
  gates?: PromotionRequest['gates'];
};

/** @internal */
export type NewPromotion = {
  modelName: string;
  version: string;
  alias: string;
  /** Default `set`. */
  action?: PromotionRequest['action'];
  requestedBy: string;
  reason?: string;
  metrics: Record<string, number>;
  gates: PromotionRequest['gates'];
};

/** @internal */
export type PromotionQuery = {
  status?: PromotionRequestStatus;
  modelName?: string;
  version?: string;
  /** Only requests on models owned by one of these groups. */
  modelOwners?: string[];
  /** Leave out requests made by this user. */
  notRequestedBy?: string;
  limit: number;
};

/**
 * Persistence of the model registry: the only code that touches the registry tables.
 * Every write lands together with its audit event (and, for versions made from a run,
 * its lineage edge) in one transaction. Writes on a missing model or version throw
 * NotFoundError with MLflow's messages; a taken name or alias target ConflictError.
 *
 * @internal
 */
export interface RegistryStore {
  createModel(
    input: { name: string; owner: string; description?: string; tags: Tag[] },
    audit: AuditEntry,
  ): Promise<StoredModel>;
  getModel(name: string): Promise<StoredModel | undefined>;
  /** Every model with the ids of its versions, in two queries (the catalog's list). */
  listModelsWithVersionIds(): Promise<
    Array<StoredModel & { versionIds: string[] }>
  >;
  searchModels(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: StoredModel[]; hasMore: boolean }>;
  renameModel(
    name: string,
    newName: string,
    audit: AuditEntry,
  ): Promise<StoredModel>;
  updateModel(
    name: string,
    update: { description: string },
    audit: AuditEntry,
  ): Promise<StoredModel>;
  /** Deletes the model with its versions, tags, aliases and requests; the audit trail stays. */
  deleteModel(name: string, audit: AuditEntry): Promise<void>;
  setModelTag(name: string, tag: Tag, audit: AuditEntry): Promise<void>;
  deleteModelTag(name: string, key: string, audit: AuditEntry): Promise<void>;

  /** Takes the model's next version number under the model row's lock. */
  createVersion(
    input: {
      name: string;
      source: string;
      runId?: string;
      experimentId?: string;
      description?: string;
      userId?: string;
      tags: Tag[];
    },
    audit: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion>;
  getVersion(name: string, version: string): Promise<ModelVersion | undefined>;
  /** Versions by id (unknown ids are left out), with their model's owner. */
  getVersionsById(
    ids: string[],
  ): Promise<Array<ModelVersion & { owner: string }>>;
  /** Every version of a model, newest first. */
  listVersions(name: string): Promise<ModelVersion[]>;
  searchVersions(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: ModelVersion[]; hasMore: boolean }>;
  /** The highest version in each of `stages` (all stages when empty). */
  latestVersions(
    name: string,
    stages: ModelVersionStage[],
  ): Promise<ModelVersion[]>;
  updateVersion(
    name: string,
    version: string,
    update: { description: string },
    audit: AuditEntry,
  ): Promise<ModelVersion>;
  deleteVersion(
    name: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void>;
  setVersionTag(
    name: string,
    version: string,
    tag: Tag,
    audit: AuditEntry,
  ): Promise<void>;
  deleteVersionTag(
    name: string,
    version: string,
    key: string,
    audit: AuditEntry,
  ): Promise<void>;
  /** Moves the version to `stage`; with `archiveOthers`, the model's other versions in that stage go to Archived. */
  transitionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveOthers: boolean,
    audit: AuditEntry,
  ): Promise<ModelVersion>;

  /** Points the alias at the version (moving it if set elsewhere). */
  setAlias(
    name: string,
    alias: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void>;
  deleteAlias(name: string, alias: string, audit: AuditEntry): Promise<void>;
  getVersionByAlias(
    name: string,
    alias: string,
  ): Promise<ModelVersion | undefined>;

  /**
   * Records a request. `approvedBy` records it approved at once and moves the alias in
   * the same transaction (unprotected aliases). ConflictError when an identical request
   * is already pending.
   */
  createPromotion(
    input: NewPromotion,
    audit: AuditEntry[],
    approvedBy?: string,
  ): Promise<StoredPromotion>;
  getPromotion(requestId: string): Promise<StoredPromotion | undefined>;
  findPendingPromotion(
    name: string,
    alias: string,
    version: string,
    action?: StoredPromotion['action'],
  ): Promise<StoredPromotion | undefined>;
  listPromotions(query: PromotionQuery): Promise<StoredPromotion[]>;
  /**
   * Decides a pending request (ConflictError when it is no longer pending); an approval
   * moves the alias in the same transaction as the status and the audit event.
   */
  decidePromotion(
    requestId: string,
    decision: PromotionDecision,
    audit: AuditEntry,
  ): Promise<StoredPromotion>;

  /** The model's audit trail, newest first; only the version's events when given. */
  listAudit(
    modelId: string,
    options: { version?: string; limit: number },
  ): Promise<RegistryAuditEvent[]>;
}
