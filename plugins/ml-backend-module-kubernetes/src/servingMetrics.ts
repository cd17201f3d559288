import type { V1Pod } from '@kubernetes/client-node';
import { toLabelValue } from './names';
import {
  ANNOTATION_CANARY,
  ANNOTATION_STABLE,
  InferenceService,
  LABEL_DEPLOYMENT,
} from './servingManifests';

/** Knative labels each pod with its revision; KServe's Standard mode with the service. */
const KNATIVE_REVISION = 'serving.knative.dev/revision';
const KSERVE_ISVC = 'serving.kserve.io/inferenceservice';

/**
 * The label selector of a deployment's model server pods.
 *
 * - Deployment mode: the deployment's label on its `Deployment`'s pods.
 * - KServe Serverless: the Knative revision serving it, read as the status does: the
 *   latest revision is the deployment in the predictor (the canary, when one runs), the
 *   other one in the traffic the stable deployment rolled out before.
 * - KServe Standard (no traffic in the status): the InferenceService's pods, which serve
 *   only the predictor's deployment.
 *
 * `undefined` when no pods serve the deployment.
 *
 * @internal
 */
export function deploymentPodSelector(
  deploymentName: string,
  isvc?: InferenceService,
): string | undefined {
  if (!isvc) return `${LABEL_DEPLOYMENT}=${toLabelValue(deploymentName)}`;
  const annotations = isvc.metadata.annotations ?? {};
  const served =
    annotations[ANNOTATION_CANARY] ?? annotations[ANNOTATION_STABLE];
  const traffic = isvc.status?.components?.predictor?.traffic ?? [];
  if (traffic.length === 0) {
    return deploymentName === served
      ? `${KSERVE_ISVC}=${isvc.metadata.name}`
      : undefined;
  }
  const revision = traffic.find(t =>
    deploymentName === served
      ? t.latestRevision
      : deploymentName === annotations[ANNOTATION_STABLE] && !t.latestRevision,
  )?.revisionName;
  return revision ? `${KNATIVE_REVISION}=${revision}` : undefined;
}

/**
 * The metrics URL of each running pod: the configured template filled in, else the pod's
 * Prometheus annotations (KServe's `prometheus.kserve.io/*`, then `prometheus.io/*`),
 * else `defaultPort` and `/metrics`. A template naming no pod gives one URL.
 *
 * @internal
 */
export function podMetricsUrls(
  pods: V1Pod[],
  options: { template?: string; defaultPort: number; namespace: string },
): string[] {
  const { template, defaultPort, namespace } = options;
  if (template && !/\{(podIP|pod)\}/.test(template)) {
    return [template.replaceAll('{namespace}', namespace)];
  }
  return pods
    .filter(pod => pod.status?.phase === 'Running' && pod.status.podIP)
    .map(pod => {
      const ip = pod.status!.podIP!;
      const host = ip.includes(':') ? `[${ip}]` : ip;
      if (template) {
        return template
          .replaceAll('{podIP}', host)
          .replaceAll('{pod}', pod.metadata?.name ?? '')
          .replaceAll('{namespace}', namespace);
      }
      const annotations = pod.metadata?.annotations ?? {};
      const port =
        annotations['prometheus.kserve.io/port'] ??
        annotations['prometheus.io/port'] ??
        String(defaultPort);
      const path =
        annotations['prometheus.kserve.io/path'] ??
        annotations['prometheus.io/path'] ??
        '/metrics';
      return `http://${host}:${port}${path.startsWith('/') ? '' : '/'}${path}`;
    });
}
