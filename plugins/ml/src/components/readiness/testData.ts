import { ModelReadiness, ReadinessCheck } from '@ml-portal/plugin-ml-common';

const check = (
  id: ReadinessCheck['id'],
  title: string,
  status: ReadinessCheck['status'],
  fact: string,
  fixUrl?: string,
): ReadinessCheck => ({
  id,
  title,
  status,
  fact,
  fix: `Fix ${title.toLowerCase()}`,
  ...(fixUrl && { fixUrl }),
});

/** A model in production failing monitoring and cost. @internal */
export const churnReadiness: ModelReadiness = {
  name: 'churn',
  owner: 'group:default/growth',
  version: '3',
  inProduction: true,
  passed: 1,
  total: 4,
  checks: [
    check(
      'tracking',
      'Tracked with params and metrics',
      'pass',
      'run r3 logged 4 params and 2 metrics',
    ),
    check(
      'artifact-storage',
      'Artifact location and encryption',
      'unknown',
      'lies on an S3-compatible service',
    ),
    check(
      'monitoring',
      'Deployed with monitoring and drift thresholds',
      'fail',
      'churn-live samples no traffic for drift',
      'deployments/churn-live',
    ),
    check(
      'cost',
      'Cost within budget',
      'fail',
      'group:default/growth has no budget',
      'cost?team=group%3Adefault%2Fgrowth',
    ),
  ],
};

/** A model nobody deployed, failing cost too. @internal */
export const draftReadiness: ModelReadiness = {
  name: 'draft',
  owner: 'group:default/growth',
  inProduction: false,
  passed: 0,
  total: 1,
  checks: [
    check(
      'cost',
      'Cost within budget',
      'fail',
      'group:default/growth has no budget',
      'cost?team=group%3Adefault%2Fgrowth',
    ),
  ],
};
