/**
 * The model registry as the portal API and pages speak it (the MLflow API keeps
 * MLflow's own snake_case shapes); the routes are described in the ml backend's
 * `src/schema/openapi.yaml`. A registered model has an owner group; moving a
 * version to a protected alias (e.g. `production`) is a promotion request that the
 * owner group or the configured approver group decides.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** MLflow's (deprecated, still used) stages. @public */
export type ModelVersionStage = Schemas['ModelVersionStage'];

/** @public */
export type ModelVersionStatus = Schemas['ModelVersionStatus'];

/** @public */
export type ModelAlias = Schemas['ModelAlias'];

/** @public */
export type ModelVersion = Schemas['ModelVersion'];

/** @public */
export type RegisteredModel = Schemas['RegisteredModel'];

/** A check a promotion request must pass before it can be approved. @public */
export type PromotionGate = Schemas['PromotionGate'];

/** @public */
export type GateResult = Schemas['GateResult'];

/** @public */
export type PromotionRequestStatus = Schemas['PromotionRequestStatus'];

/** A request to move a protected alias to a version. @public */
export type PromotionRequest = Schemas['PromotionRequest'];

/** One line of a model's audit trail. @public */
export type RegistryAuditEvent = Schemas['RegistryAuditEvent'];

/** A model's page. @public */
export type RegisteredModelDetails = Schemas['RegisteredModelDetails'];

/** A version's page. @public */
export type ModelVersionDetails = Schemas['ModelVersionDetails'];

/** `POST /models`. @public */
export type CreateModelRequest = Schemas['CreateModelRequest'];

/** `POST /models/{name}/versions`: registers the model too when it is new. @public */
export type RegisterModelVersionRequest =
  Schemas['RegisterModelVersionRequest'];

/** `POST /models/{name}/promotions`. @public */
export type PromotionRequestInput = Schemas['PromotionRequestInput'];
