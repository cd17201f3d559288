/**
 * The model registry as the portal API and pages speak it (the MLflow API keeps
 * MLflow's own snake_case shapes); the routes are described in the ml backend's
 * `src/schema/openapi.yaml`. A registered model has an owner group; moving a
 * version to a protected alias (e.g. `production`) is a promotion request that the
 * owner group or the configured approver group decides.
 */
import type { components as MlApiComponents } from './generated/openapi';
import { Tag } from './tracking';

/** MLflow's (deprecated, still used) stages. @public */
export type ModelVersionStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** @public */
export type ModelVersionStatus =
  | 'PENDING_REGISTRATION'
  | 'FAILED_REGISTRATION'
  | 'READY';

/** @public */
export type ModelAlias = { alias: string; version: string };

/** @public */
export type ModelVersion = {
  /** Stable id (survives renames of the model); the lineage node id of kind `model_version`. */
  id: string;
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  userId?: string;
  currentStage: ModelVersionStage;
  /** Where the model's files are, e.g. `mlflow-artifacts:/1/<run>/artifacts/model`. */
  source: string;
  runId?: string;
  experimentId?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: Tag[];
  aliases: string[];
};

/** @public */
export type RegisteredModel = {
  name: string;
  /** Backstage group entity ref. */
  owner: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  tags: Tag[];
  aliases: ModelAlias[];
  /** The newest version per stage, as MLflow's `latest_versions`. */
  latestVersions: ModelVersion[];
};

/** A check a promotion request must pass before it can be approved. @public */
export type PromotionGate =
  | {
      type: 'metric';
      /** A metric of the version's source run, e.g. `accuracy`. */
      metric: string;
      op: '>' | '>=' | '<' | '<=';
      threshold: number;
    }
  | { type: 'no-open-drift-alert' };

/** @public */
export type GateResult = {
  gate: PromotionGate;
  passed: boolean;
  /** Why, e.g. `accuracy 0.91 >= 0.85` or `no accuracy metric on run abc`. */
  detail: string;
};

/** @public */
export type PromotionRequestStatus =
  | 'PENDING'
  | 'APPROVED'
  | 'REJECTED'
  | 'CANCELLED';

/** A request to move a protected alias to a version. @public */
export type PromotionRequest = {
  id: string;
  modelName: string;
  version: string;
  alias: string;
  /** `set` moves the alias to the version; `remove` takes it off the version. */
  action: 'set' | 'remove';
  status: PromotionRequestStatus;
  requestedBy: string;
  requestedAt: number;
  reason?: string;
  /** Who may decide: the model's owner group, or the configured approver group. */
  approverGroups: string[];
  /** The source run's latest metrics when the request was made. */
  metrics: Record<string, number>;
  gates: GateResult[];
  decidedBy?: string;
  decidedAt?: number;
  decisionComment?: string;
};

/** One line of a model's audit trail. @public */
export type RegistryAuditEvent = {
  id: string;
  at: number;
  /** User or service entity ref. */
  actor: string;
  modelName: string;
  version?: string;
  /** e.g. `model.created`, `version.created`, `alias.set`, `promotion.requested`, `promotion.approved`. */
  action: string;
  detail: string;
  /** The source run's metrics at the time, for promotion events. */
  metrics?: Record<string, number>;
  requestId?: string;
};

/** A model's page. @public */
export type RegisteredModelDetails = RegisteredModel & {
  versions: ModelVersion[];
  promotions: PromotionRequest[];
  /** Aliases that need an approved request, e.g. `['production']`. */
  protectedAliases: string[];
  /** Whether the caller may approve this model's promotion requests. */
  canApprove: boolean;
};

/** A version's page. @public */
export type ModelVersionDetails = ModelVersion & {
  owner: string;
  /** The source run's latest metrics (key → value). */
  metrics: Record<string, number>;
  runName?: string;
  promotions: PromotionRequest[];
  audit: RegistryAuditEvent[];
};

/** `POST /models`. @public */
export type CreateModelRequest =
  MlApiComponents['schemas']['CreateModelRequest'];

/** `POST /models/{name}/versions`: registers the model too when it is new. @public */
export type RegisterModelVersionRequest =
  MlApiComponents['schemas']['RegisterModelVersionRequest'];

/** `POST /models/{name}/promotions`. @public */
export type PromotionRequestInput =
  MlApiComponents['schemas']['PromotionRequestInput'];
