import {
  PromotionRequest,
  PromotionRequestStatus,
} from '@ml-portal/plugin-ml-common';
import { AuditEntry } from './RegistryStore';

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
  /** The alias moves later, once the canary of the approved version passed. */
  deferAliasMove?: boolean;
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
 * Persistence of aliases and promotion requests. Every write lands together with its
 * audit event in one transaction, and a decision with the alias move it makes. Writes
 * on a missing model or version throw NotFoundError with MLflow's messages.
 *
 * @internal
 */
export interface PromotionStore {
  /** Points the alias at the version (moving it if set elsewhere). */
  setAlias(
    name: string,
    alias: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void>;
  deleteAlias(name: string, alias: string, audit: AuditEntry): Promise<void>;
  /** An audit event with no change of its own (a canary that failed). */
  recordAudit(name: string, audit: AuditEntry): Promise<void>;

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
}
