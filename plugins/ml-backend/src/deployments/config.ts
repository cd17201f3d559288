import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { CanaryPolicy } from '@ml-portal/plugin-ml-common';

/** @internal */
export type DeploymentsConfig = {
  /** The canary policy of endpoints that set none of their own. */
  canary: CanaryPolicy;
  /** The pipeline's stages in order: each is an alias (`staging`, `production`). */
  stages: string[];
  /** How often the analysis and the reconciler run. */
  tickMs: number;
  /** Where model files are put for targets that serve from local files. */
  modelCacheDirectory: string;
  /** The router's counts reach the database this often. */
  meterFlushMs: number;
  batch: {
    /** The training profile batch scoring jobs run with. */
    profile?: string;
    /** `{modelDir}` (the model's files on the host), `{modelUri}`, `{input}` and `{output}` are filled in. */
    command: string[];
  };
};

/** The seed figures of the issue: 10% for 10 minutes, 100 requests, +2 points, 1.5x p95. */
const DEFAULT_CANARY: CanaryPolicy = {
  percent: 10,
  durationMinutes: 10,
  minRequests: 100,
  maxErrorRateIncrease: 0.02,
  maxP95Ratio: 1.5,
};

const DEFAULT_BATCH_COMMAND = [
  'node',
  'examples/serving/batch_score.ts',
  '--model-dir',
  '{modelDir}',
  '--input',
  '{input}',
  '--output',
  '{output}',
];

/**
 * `ml.deployments`: the canary policy's defaults, the pipeline's stages, the analysis'
 * interval and batch scoring's job template. Throws InputError naming a bad setting.
 *
 * @internal
 */
export function readDeploymentsConfig(config: Config): DeploymentsConfig {
  const section = config.getOptionalConfig('ml.deployments');
  const canary = section?.getOptionalConfig('canary');
  const policy: CanaryPolicy = {
    percent: canary?.getOptionalNumber('percent') ?? DEFAULT_CANARY.percent,
    durationMinutes:
      canary?.getOptionalNumber('durationMinutes') ??
      DEFAULT_CANARY.durationMinutes,
    minRequests:
      canary?.getOptionalNumber('minRequests') ?? DEFAULT_CANARY.minRequests,
    maxErrorRateIncrease:
      canary?.getOptionalNumber('maxErrorRateIncrease') ??
      DEFAULT_CANARY.maxErrorRateIncrease,
    maxP95Ratio:
      canary?.getOptionalNumber('maxP95Ratio') ?? DEFAULT_CANARY.maxP95Ratio,
  };
  checkCanaryPolicy(policy, 'ml.deployments.canary');
  const stages = section?.getOptionalStringArray('stages') ?? [
    'staging',
    'production',
  ];
  if (stages.length === 0 || new Set(stages).size !== stages.length) {
    throw new InputError(
      'ml.deployments.stages must list distinct aliases, e.g. [staging, production]',
    );
  }
  return {
    canary: policy,
    stages,
    tickMs:
      (section?.getOptionalNumber('analysisIntervalSeconds') ?? 15) * 1000,
    meterFlushMs: section?.getOptionalNumber('meterFlushMs') ?? 2000,
    modelCacheDirectory: resolve(
      section?.getOptionalString('modelCacheDirectory') ??
        join(tmpdir(), 'ml-portal-models'),
    ),
    batch: {
      profile: section?.getOptionalString('batch.profile'),
      command:
        section?.getOptionalStringArray('batch.command') ??
        DEFAULT_BATCH_COMMAND,
    },
  };
}

/** InputError when a policy is out of bounds (the API's schema states the same bounds). @internal */
export function checkCanaryPolicy(policy: CanaryPolicy, where: string) {
  const bad = (field: keyof CanaryPolicy, rule: string) =>
    new InputError(`${where}.${field} must be ${rule}, not ${policy[field]}`);
  if (
    !Number.isInteger(policy.percent) ||
    policy.percent < 1 ||
    policy.percent > 99
  )
    throw bad('percent', 'an integer from 1 to 99');
  if (!(policy.durationMinutes > 0)) throw bad('durationMinutes', 'positive');
  if (!Number.isInteger(policy.minRequests) || policy.minRequests < 1)
    throw bad('minRequests', 'a positive integer');
  if (!(policy.maxErrorRateIncrease >= 0 && policy.maxErrorRateIncrease <= 1))
    throw bad('maxErrorRateIncrease', 'from 0 to 1');
  if (!(policy.maxP95Ratio >= 1)) throw bad('maxP95Ratio', 'at least 1');
}
