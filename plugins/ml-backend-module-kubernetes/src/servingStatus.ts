import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { EndpointStatus } from '@ml-portal/plugin-ml-node';
import { toDeploymentResourceName } from './names';
import {
  ANNOTATION_CANARY,
  ANNOTATION_KIND,
  ANNOTATION_STABLE,
  InferenceService,
  isInferenceServiceReady,
  recordedDeployments,
} from './servingManifests';

type DeploymentStatus = EndpointStatus['deployments'][number];

/** KServe's model states that mean the model cannot load, not that it is loading. */
const FAILED_TRANSITIONS = ['BlockedByFailedLoad', 'InvalidSpec'];

/**
 * An endpoint's status from its InferenceService: the `Ready` condition (once the
 * controller has seen the latest spec), `status.url`, and per deployment the predictor's
 * Knative traffic: the latest revision is the deployment in the predictor (the canary,
 * when one runs), the other one the stable deployment KServe rolled out before.
 *
 * @internal
 */
export function inferenceServiceStatus(isvc: InferenceService): EndpointStatus {
  const { status = {}, metadata } = isvc;
  const ready = status.conditions?.find(c => c.type === 'Ready');
  const predictor = status.components?.predictor ?? {};
  const failure = FAILED_TRANSITIONS.includes(
    status.modelStatus?.transitionStatus ?? '',
  )
    ? status.modelStatus?.lastFailureInfo?.message ??
      status.modelStatus?.transitionStatus
    : undefined;
  const stable = metadata.annotations?.[ANNOTATION_STABLE];
  const canary = metadata.annotations?.[ANNOTATION_CANARY];
  const served = canary ?? stable;
  const traffic = predictor.traffic ?? [];
  const latest = traffic.find(t => t.latestRevision);
  const previous = traffic.find(t => !t.latestRevision);
  // KServe's Standard (raw Deployment) mode has no Knative revisions or traffic: there,
  // Ready is all there is to know.
  const latestReady =
    traffic.length === 0
      ? isInferenceServiceReady(isvc)
      : !!latest &&
        !!predictor.latestReadyRevision &&
        predictor.latestReadyRevision === predictor.latestCreatedRevision;

  const deployments = recordedDeployments(metadata).map(
    ({ name }): DeploymentStatus => {
      if (name === served) {
        if (failure) return { name, state: 'failed', reason: failure };
        if (!latestReady) return { name, state: 'starting' };
        return latest
          ? {
              name,
              state: 'ready',
              reason: `${latest.percent ?? 0}% of traffic`,
            }
          : { name, state: 'ready' };
      }
      if (name === stable) {
        // The canary runs against the revision KServe rolled out before.
        return previous
          ? {
              name,
              state: 'ready',
              reason: `${previous.percent ?? 0}% of traffic`,
            }
          : { name, state: 'starting' };
      }
      return {
        name,
        state: 'starting',
        reason: `the canary starts once ${stable} is rolled out and the endpoint is applied again`,
      };
    },
  );

  let state: EndpointStatus['state'];
  let reason: string | undefined;
  if (failure) {
    state = 'failed';
    reason = `${served}: ${failure}`;
  } else if (isInferenceServiceReady(isvc)) {
    state = deployments.every(d => d.state === 'ready') ? 'ready' : 'updating';
  } else {
    state = 'updating';
    reason = ready?.message ?? ready?.reason;
  }
  return {
    state,
    ...(reason && { reason }),
    ...(status.url && { url: status.url }),
    deployments,
  };
}

/**
 * An endpoint's status in deployment mode, from its Service (which records the spec's
 * deployments) and its Deployments. A deployment is `failed` when its rollout exceeded
 * the progress deadline, `ready` when its pods are updated and at least one is ready.
 *
 * @internal
 */
export function deploymentModeStatus(
  service: V1Service | undefined,
  deployments: V1Deployment[],
  url: string,
): EndpointStatus {
  const recorded = recordedDeployments(
    service?.metadata ?? deployments[0]?.metadata,
  );
  const byName = new Map(deployments.map(d => [d.metadata?.name, d]));
  const states = recorded.map(({ name, weight }): DeploymentStatus => {
    const deployment = byName.get(toDeploymentResourceName(name));
    if (!deployment) return { name, state: 'starting' };
    const { spec, status = {}, metadata } = deployment;
    const replicas = status.readyReplicas ?? 0;
    const stalled = status.conditions?.find(
      c => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (stalled) {
      return { name, state: 'failed', reason: stalled.message, replicas };
    }
    if (weight === 0 && spec?.replicas === 0) {
      return { name, state: 'scaled-to-zero', replicas: 0 };
    }
    const current =
      (status.observedGeneration ?? 0) >= (metadata?.generation ?? 0) &&
      (status.updatedReplicas ?? 0) === (status.replicas ?? 0);
    return current && replicas > 0
      ? { name, state: 'ready', replicas }
      : { name, state: 'starting', replicas };
  });

  const serving = recorded.filter(d => d.weight > 0);
  const reasons: string[] = [];
  if (serving.length > 1) {
    reasons.push(
      `traffic split ${serving
        .map(d => d.weight)
        .join('/')} approximated by replica counts (no service mesh)`,
    );
  }
  if (!service) reasons.push('the Service is missing');
  if (service?.metadata?.annotations?.[ANNOTATION_KIND] === 'serverless') {
    reasons.push(
      'serverless without KServe: at least one replica per deployment, no scale to zero',
    );
  }
  const failed = states.find(d => d.state === 'failed');
  let state: EndpointStatus['state'] = 'updating';
  if (failed) {
    state = 'failed';
    reasons.unshift(`${failed.name}: ${failed.reason ?? 'failed'}`);
  } else if (
    service &&
    states.every(d => d.state === 'ready' || d.state === 'scaled-to-zero')
  ) {
    state = 'ready';
  }
  return {
    state,
    ...(reasons.length > 0 && { reason: reasons.join('; ') }),
    ...(service && { url }),
    deployments: states,
  };
}
