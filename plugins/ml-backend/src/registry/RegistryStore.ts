import {
  ModelVersion,
  ModelVersionStage,
  RegisteredModel,
  RegistryAuditEvent,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { PageWindow } from '../shared/paging';
import { RegistrySearch } from './search';

/** A registered model with its stable id. @internal */
export type StoredModel = RegisteredModel & { modelId: string };

/** The audit event a write lands with; the store adds id, time and model. @internal */
export type AuditEntry = Pick<
  RegistryAuditEvent,
  'actor' | 'action' | 'detail'
> &
  Partial<Pick<RegistryAuditEvent, 'version' | 'metrics' | 'requestId'>>;

/** A version with its model's owner, whom permissions decide by. @internal */
export type OwnedVersion = ModelVersion & { owner: string };

/** A version to register; the store numbers it. @internal */
export type NewVersion = {
  name: string;
  source: string;
  runId?: string;
  experimentId?: string;
  /** The MLflow 3 logged model the version is of. */
  modelId?: string;
  description?: string;
  userId?: string;
  tags: Tag[];
};

/**
 * Persistence of registered models and their versions (aliases and promotion requests
 * are the PromotionStore's). Every write lands together with its audit event (and, for
 * versions made from a run, its lineage edge) in one transaction. Writes on a missing
 * model or version throw NotFoundError with MLflow's messages; a taken name
 * ConflictError.
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
    input: NewVersion,
    audit: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion>;
  getVersion(name: string, version: string): Promise<ModelVersion | undefined>;
  /** Versions by id (unknown ids are left out), with their model's owner. */
  getVersionsById(ids: string[]): Promise<OwnedVersion[]>;
  /** Every version of a model, newest first. */
  listVersions(name: string): Promise<ModelVersion[]>;
  searchVersions(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: OwnedVersion[]; hasMore: boolean }>;
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

  getVersionByAlias(
    name: string,
    alias: string,
  ): Promise<ModelVersion | undefined>;

  /** The model's audit trail, newest first; only the version's events when given. */
  listAudit(
    modelId: string,
    options: { version?: string; limit: number },
  ): Promise<RegistryAuditEvent[]>;
}
