import { createHash } from 'node:crypto';

/** A DNS-1123 label: what a Job name must be (it is also copied into a label value). */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Kubernetes label value (the empty value aside). */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_LENGTH = 63;
const HASH_LENGTH = 8;

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Makes `value` fit `pattern` deterministically: a value that already fits (and has at
 * most 63 characters) is kept; any other becomes its allowed characters (runs of others
 * turn into `-`), cut to fit, plus `-` and a short hash of the original value. Two
 * different values therefore never share a result.
 */
function normalise(
  value: string,
  pattern: RegExp,
  lowercase: boolean,
  maxLength = MAX_LENGTH,
): string {
  if (value.length <= maxLength && pattern.test(value)) {
    return value;
  }
  const allowed = lowercase ? /[^a-z0-9]+/g : /[^A-Za-z0-9_.-]+/g;
  const base = (lowercase ? value.toLowerCase() : value)
    .replace(allowed, '-')
    .slice(0, maxLength - HASH_LENGTH - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return base ? `${base}-${shortHash(value)}` : shortHash(value);
}

/**
 * The name of the Kubernetes Job of an attempt's external name. A Job name must be a
 * DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters): an external
 * name that is one (the platform's `ml-<hex>` names are) is used unchanged; any other is
 * normalised deterministically (lower-cased, other characters replaced by `-`, cut, and
 * a short hash of the original appended), so a replayed dispatch, `status`, `cancel` and
 * `logs` all find the same Job, and two external names never share one.
 *
 * @public
 */
export function toKubernetesJobName(externalName: string): string {
  return normalise(externalName, DNS1123_LABEL, true);
}

/**
 * A valid Kubernetes label value for `value` (at most 63 of `[-A-Za-z0-9_.]`, starting
 * and ending alphanumeric), normalised like {@link toKubernetesJobName} when needed.
 *
 * @public
 */
export function toLabelValue(value: string): string {
  return value === '' ? '' : normalise(value, LABEL_VALUE, false);
}

/** A DNS-1035 label: what Service and InferenceService names must be (a letter first). */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * KServe derives `<name>-predictor` Services and `<name>-predictor-00001` Knative
 * revisions from an InferenceService's name, and each must stay a 63-character label.
 */
const MAX_INFERENCE_SERVICE_NAME = 45;

/**
 * A DNS-1035 label for `value` of at most `maxLength` characters, normalised like
 * {@link toKubernetesJobName}; a result that would start with a digit gets an `m`
 * in front (only normalised names can, and those end with a hash of the original, so
 * the prefix makes no collision).
 */
function toDns1035Label(value: string, maxLength: number): string {
  if (value.length <= maxLength && DNS1035_LABEL.test(value)) {
    return value;
  }
  const name = normalise(value, DNS1035_LABEL, true, maxLength - 1);
  return /^[a-z]/.test(name) ? name : `m${name}`;
}

/**
 * The name of the InferenceService (KServe mode) or the Service (deployment mode) of a
 * portal endpoint: the endpoint's name where it is a DNS-1035 label short enough for
 * KServe's derived names, a normalised one otherwise.
 *
 * @public
 */
export function toEndpointResourceName(endpointName: string): string {
  return toDns1035Label(endpointName, MAX_INFERENCE_SERVICE_NAME);
}

/**
 * The name of the Deployment and HorizontalPodAutoscaler of an endpoint's deployment
 * (deployment mode), from the deployment's platform-facing name.
 *
 * @public
 */
export function toDeploymentResourceName(deploymentName: string): string {
  return toDns1035Label(deploymentName, MAX_LENGTH);
}
