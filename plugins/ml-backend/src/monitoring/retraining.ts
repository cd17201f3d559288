import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Caller } from '../shared/caller';
import { LineageRecorder } from '../shared/lineage';
import { Retraining } from './MonitoringService';

/**
 * Drift's retraining as the platform does it: the drifted version's source run trained
 * again for the endpoint's owner group, under that group's rules (admission, quotas,
 * budgets), and the deployment → job edge in lineage.
 *
 * @internal
 */
export function platformRetraining(deps: {
  /** The version's source run, read as the platform. */
  sourceRunOf(modelName: string, version: number): Promise<string | undefined>;
  /** A run's job again on another profile (training's resubmission). */
  retrain(
    caller: Caller,
    input: { runId: string; profile: string; reason: string },
  ): Promise<{ jobId: string }>;
  lineage: LineageRecorder;
  credentials(): Promise<BackstageCredentials>;
}): Retraining {
  return async ({ endpoint, version, deploymentId, profile, reason }) => {
    const runId = await deps.sourceRunOf(endpoint.modelName, version);
    if (!runId) {
      throw new Error(
        `Version ${version} of ${endpoint.modelName} has no source run to train again`,
      );
    }
    const { jobId } = await deps.retrain(
      {
        credentials: await deps.credentials(),
        kind: 'service',
        userId: 'ml-platform/retraining',
        groups: [endpoint.owner],
        owner: endpoint.owner,
      },
      { runId, profile, reason },
    );
    await deps.lineage.record([
      {
        from: { kind: 'deployment', id: deploymentId },
        to: { kind: 'job', id: jobId },
        relation: 'retrained_as',
      },
    ]);
    return { jobId };
  };
}
