import {
  SpotPolicy,
  TrainingProfile,
  TrainingProfileInput,
} from '@ml-portal/plugin-ml-common';
import { profileMaxGpus } from './jobSpecForm';

/** A profile's next version as the publish form's fields hold it. @internal */
export type ProfileForm = {
  description: string;
  pools: string[];
  spotPolicy: SpotPolicy;
  gpus: string;
  /** Empty: no limit. */
  maxGpus: string;
  maxRuntimeSeconds: string;
  checkpointIntervalSeconds: string;
  image: string;
  maxCostPerJobUsd: string;
};

/** What is wrong with each field, by field. @internal */
export type ProfileErrors = Partial<Record<keyof ProfileForm, string>>;

const shown = (value: number | undefined) =>
  value === undefined ? '' : String(value);

/** The fields, filled from the version the next one is made from. @internal */
export function profileForm(profile: TrainingProfile): ProfileForm {
  const { defaults, limits } = profile;
  return {
    description: profile.description ?? '',
    pools: profile.pools,
    spotPolicy: profile.spotPolicy,
    gpus: shown(defaults.gpus),
    maxGpus: shown(profileMaxGpus(profile)),
    maxRuntimeSeconds: shown(defaults.maxRuntimeSeconds),
    checkpointIntervalSeconds: shown(defaults.checkpointIntervalSeconds),
    image: defaults.image ?? '',
    maxCostPerJobUsd: shown(limits.maxCostPerJobUsd),
  };
}

/** A field's number (undefined when empty), whole and at least `min`, or above 0. */
function parseNumber(
  text: string,
  rule: { whole: true; min: number } | { whole: false },
): { value?: number; error?: string } {
  const trimmed = text.trim();
  if (!trimmed) return {};
  const value = Number(trimmed);
  if (rule.whole) {
    return Number.isInteger(value) && value >= rule.min
      ? { value }
      : { error: `A whole number, at least ${rule.min}` };
  }
  return Number.isFinite(value) && value > 0
    ? { value }
    : { error: 'A number above 0' };
}

/**
 * The request that publishes the next version from `base`, or what is wrong with the
 * fields. The API takes the whole definition (a left-out field takes its default, not
 * the previous version's value), so every field is sent as the form holds it, with
 * `baseVersion` for a 409 when someone else published first. The server checks the
 * rest (pools exist, the cost ceiling holds, the caller owns the profile).
 *
 * @internal
 */
export function profileRequest(
  form: ProfileForm,
  base: TrainingProfile,
): { input?: TrainingProfileInput; errors: ProfileErrors } {
  const errors: ProfileErrors = {};
  const numbers = {
    gpus: parseNumber(form.gpus, { whole: true, min: 0 }),
    maxGpus: parseNumber(form.maxGpus, { whole: true, min: 1 }),
    maxRuntimeSeconds: parseNumber(form.maxRuntimeSeconds, {
      whole: true,
      min: 1,
    }),
    checkpointIntervalSeconds: parseNumber(form.checkpointIntervalSeconds, {
      whole: true,
      min: 1,
    }),
    maxCostPerJobUsd: parseNumber(form.maxCostPerJobUsd, { whole: false }),
  };
  for (const [field, parsed] of Object.entries(numbers)) {
    if (parsed.error) errors[field as keyof ProfileForm] = parsed.error;
  }
  const { gpus, maxGpus } = numbers;
  if (
    !errors.gpus &&
    gpus.value !== undefined &&
    maxGpus.value !== undefined &&
    gpus.value > maxGpus.value
  ) {
    errors.gpus = `At most the limit, ${maxGpus.value}`;
  }
  if (form.pools.length === 0) errors.pools = 'Choose at least one pool';
  const image = form.image.trim();
  if (image.length > 500) errors.image = 'At most 500 characters';
  const description = form.description.trim();
  if (description.length > 2000) {
    errors.description = 'At most 2000 characters';
  }
  if (Object.keys(errors).length > 0) return { errors };

  const defined = <T extends object>(value: T) =>
    Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined),
    ) as T;
  return {
    errors,
    input: {
      baseVersion: base.version,
      ...(description && { description }),
      pools: form.pools,
      spotPolicy: form.spotPolicy,
      defaults: defined({
        gpus: gpus.value,
        maxRuntimeSeconds: numbers.maxRuntimeSeconds.value,
        checkpointIntervalSeconds: numbers.checkpointIntervalSeconds.value,
        // Not a field: whether jobs use spot by default stays as it was.
        spotAllowed: base.defaults.spotAllowed,
        image: image || undefined,
      }),
      limits: defined({
        maxGpus: maxGpus.value,
        maxCostPerJobUsd: numbers.maxCostPerJobUsd.value,
      }),
    },
  };
}
