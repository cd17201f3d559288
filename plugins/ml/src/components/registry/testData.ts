import {
  ModelVersion,
  ModelVersionDetails,
  PromotionRequest,
  RegisteredModel,
  RegisteredModelDetails,
  RegistryAuditEvent,
} from '@ml-portal/plugin-ml-common';

const created = Date.UTC(2026, 10, 2, 9, 0, 0);

/** A READY version of `churn` from run `r<version>` of experiment 7. @internal */
export function makeVersion(overrides: Partial<ModelVersion>): ModelVersion {
  const version = overrides.version ?? '1';
  return {
    id: `mv-${version}`,
    name: 'churn',
    version,
    creationTimestamp: created + Number(version) * 86_400_000,
    lastUpdatedTimestamp: created + Number(version) * 86_400_000,
    userId: 'user:default/alice',
    currentStage: 'None',
    source: `mlflow-artifacts:/7/r${version}/artifacts/model`,
    runId: `r${version}`,
    experimentId: '7',
    status: 'READY',
    tags: [],
    aliases: [],
    ...overrides,
  };
}

/** @internal */
export const versions: ModelVersion[] = [
  makeVersion({ version: '1', currentStage: 'Archived' }),
  makeVersion({
    version: '2',
    currentStage: 'Production',
    aliases: ['production'],
  }),
  makeVersion({ version: '3', aliases: ['staging'] }),
];

/** @internal */
export const churn: RegisteredModel = {
  name: 'churn',
  owner: 'group:default/growth',
  creationTimestamp: created,
  lastUpdatedTimestamp: created + 3 * 86_400_000,
  description: 'Who leaves next month',
  tags: [{ key: 'team', value: 'growth' }],
  aliases: [
    { alias: 'production', version: '2' },
    { alias: 'staging', version: '3' },
  ],
  latestVersions: [versions[1], versions[2]],
};

/** A pending request to move `production` to version 3, one gate passed and one failed. @internal */
export const pendingPromotion: PromotionRequest = {
  id: 'pr-1',
  modelName: 'churn',
  version: '3',
  alias: 'production',
  action: 'set',
  status: 'PENDING',
  requestedBy: 'user:default/alice',
  requestedAt: created + 4 * 86_400_000,
  reason: 'Better recall on the November holdout',
  approverGroups: ['group:default/growth'],
  metrics: { val_auc: 0.91, recall: 0.62 },
  gates: [
    {
      gate: { type: 'metric', metric: 'val_auc', op: '>=', threshold: 0.7 },
      passed: true,
      detail: 'val_auc 0.91 >= 0.7',
    },
    {
      gate: { type: 'no-open-drift-alert' },
      passed: false,
      detail: 'drift alert open on churn-prod',
    },
  ],
};

/** @internal */
export const approvedPromotion: PromotionRequest = {
  ...pendingPromotion,
  id: 'pr-0',
  version: '2',
  status: 'APPROVED',
  reason: undefined,
  requestedAt: created + 2 * 86_400_000,
  metrics: { val_auc: 0.88 },
  gates: [],
  decidedBy: 'user:default/bob',
  decidedAt: created + 2.5 * 86_400_000,
  decisionComment: 'Looks good',
};

/** @internal */
export const audit: RegistryAuditEvent[] = [
  {
    id: 'a1',
    at: created,
    actor: 'user:default/alice',
    modelName: 'churn',
    action: 'model.created',
    detail: 'Registered churn',
  },
  {
    id: 'a2',
    at: created + 2.5 * 86_400_000,
    actor: 'user:default/bob',
    modelName: 'churn',
    version: '2',
    action: 'promotion.approved',
    detail: 'production → 2',
    metrics: { val_auc: 0.88 },
    requestId: 'pr-0',
  },
];

/** The model page of `churn`: three versions, one request pending. @internal */
export function churnDetails(
  overrides: Partial<RegisteredModelDetails> = {},
): RegisteredModelDetails {
  return {
    ...churn,
    versions,
    promotions: [pendingPromotion, approvedPromotion],
    protectedAliases: ['production'],
    canApprove: true,
    ...overrides,
  };
}

/** Version 3's page. @internal */
export const version3: ModelVersionDetails = {
  ...versions[2],
  owner: 'group:default/growth',
  metrics: { val_auc: 0.91, recall: 0.62 },
  runName: 'bold-owl',
  promotions: [pendingPromotion],
  audit: [
    {
      id: 'a3',
      at: created + 3 * 86_400_000,
      actor: 'user:default/alice',
      modelName: 'churn',
      version: '3',
      action: 'version.created',
      detail: 'From run r3',
    },
  ],
};
