import {
  GpuPoolSummary,
  JobSpec,
  TrainingProfile,
} from '@ml-portal/plugin-ml-common';
import { parseAssignments, splitCommandLine } from './commandLine';

/** The submit form as typed: numbers and lists are still text. @internal */
export type JobForm = {
  name: string;
  /** The group the job is submitted for; empty for the backend's default (the first). */
  owner: string;
  placement: 'profile' | 'pool';
  profile: string;
  pool: string;
  gpus: string;
  spotAllowed: boolean;
  priority: string;
  image: string;
  command: string;
  env: string;
  secretEnv: string;
  checkpointIntervalSeconds: string;
  maxRuntimeSeconds: string;
  maxRetries: string;
  dataResidency: string;
  compliance: string[];
  experiment: string;
};

/** @internal */
export const emptyJobForm: JobForm = {
  name: '',
  owner: '',
  placement: 'profile',
  profile: '',
  pool: '',
  gpus: '1',
  spotAllowed: false,
  priority: '',
  image: '',
  command: '',
  env: '',
  secretEnv: '',
  checkpointIntervalSeconds: '',
  maxRuntimeSeconds: '',
  maxRetries: '',
  dataResidency: '',
  compliance: [],
  experiment: '',
};

/** A profile's largest request, or undefined where it sets none. @internal */
export function profileMaxGpus(profile: TrainingProfile): number | undefined {
  const max = profile.limits.maxGpus;
  return Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER
    ? max
    : undefined;
}

/** The form with a profile chosen and the profile's defaults filled in. @internal */
export function withProfile(
  form: JobForm,
  profile: TrainingProfile | undefined,
): JobForm {
  if (!profile) return { ...form, profile: '' };
  const { defaults } = profile;
  return {
    ...form,
    profile: profile.name,
    gpus: String(defaults.gpus),
    // A profile that requires or forbids spot decides; otherwise its default does.
    spotAllowed:
      profile.spotPolicy === 'allowed'
        ? defaults.spotAllowed ?? form.spotAllowed
        : profile.spotPolicy === 'required',
    maxRuntimeSeconds:
      defaults.maxRuntimeSeconds !== undefined
        ? String(defaults.maxRuntimeSeconds)
        : form.maxRuntimeSeconds,
    checkpointIntervalSeconds:
      defaults.checkpointIntervalSeconds !== undefined
        ? String(defaults.checkpointIntervalSeconds)
        : form.checkpointIntervalSeconds,
  };
}

/** Field errors, by the name of the form field. @internal */
export type JobFormErrors = Partial<Record<keyof JobForm, string>>;

/** A whole number at least `min`, an empty field as undefined, or why not. */
function wholeNumber(
  text: string,
  min: number,
): { value?: number; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (!/^-?\d+$/.test(trimmed)) return { error: 'A whole number' };
  const value = Number(trimmed);
  if (value < min) return { error: `At least ${min}` };
  return { value };
}

/**
 * The job spec a filled-in form stands for, or the errors that keep it from being
 * one. The server validates again; this catches what can be caught while typing.
 *
 * @internal
 */
export function buildJobSpec(
  form: JobForm,
  context: { profiles: TrainingProfile[]; pools: GpuPoolSummary[] },
): { spec?: JobSpec; errors: JobFormErrors } {
  const errors: JobFormErrors = {};

  const name = form.name.trim();
  if (!name) errors.name = 'Name the job';

  let profile: TrainingProfile | undefined;
  let pool: GpuPoolSummary | undefined;
  if (form.placement === 'profile') {
    profile = context.profiles.find(p => p.name === form.profile);
    if (!profile) errors.profile = 'Choose a profile';
  } else {
    pool = context.pools.find(p => p.name === form.pool);
    if (!pool) errors.pool = 'Choose a pool';
  }

  const gpus = wholeNumber(form.gpus, 1);
  const maxGpus = profile ? profileMaxGpus(profile) : pool?.capacityGpus;
  if (gpus.error) errors.gpus = gpus.error;
  else if (gpus.value === undefined) errors.gpus = 'How many GPUs';
  else if (maxGpus !== undefined && gpus.value > maxGpus) {
    errors.gpus = profile
      ? `Profile ${profile.name} allows at most ${maxGpus}`
      : `Pool ${pool!.name} has ${maxGpus}`;
  }

  const priority = wholeNumber(form.priority, Number.MIN_SAFE_INTEGER);
  if (priority.error) errors.priority = priority.error;
  const checkpoint = wholeNumber(form.checkpointIntervalSeconds, 1);
  if (checkpoint.error) errors.checkpointIntervalSeconds = checkpoint.error;
  const maxRuntime = wholeNumber(form.maxRuntimeSeconds, 1);
  if (maxRuntime.error) errors.maxRuntimeSeconds = maxRuntime.error;
  const maxRetries = wholeNumber(form.maxRetries, 0);
  if (maxRetries.error) errors.maxRetries = maxRetries.error;

  const command = splitCommandLine(form.command);
  if (command.error) errors.command = command.error;
  else if (command.argv.length === 0) errors.command = 'Enter the command';

  const env = parseAssignments(form.env, { allowEmptyValue: true });
  if (env.error) errors.env = env.error;
  const secretEnv = parseAssignments(form.secretEnv, {
    allowEmptyValue: false,
  });
  if (secretEnv.error) errors.secretEnv = secretEnv.error;

  if (Object.keys(errors).length > 0) return { errors };

  const spec: JobSpec = {
    name,
    ...(profile ? { profile: profile.name } : { pool: pool!.name }),
    command: command.argv,
    resources: { gpus: gpus.value! },
    spotAllowed: form.spotAllowed,
  };
  if (form.owner) spec.owner = form.owner;
  if (form.image.trim()) spec.image = form.image.trim();
  if (env.entries.length > 0) {
    spec.env = Object.fromEntries(env.entries.map(e => [e.name, e.value]));
  }
  if (secretEnv.entries.length > 0) {
    spec.secretEnv = secretEnv.entries.map(e => ({
      name: e.name,
      secretRef: e.value,
    }));
  }
  if (priority.value !== undefined) spec.priority = priority.value;
  if (checkpoint.value !== undefined) {
    spec.checkpoint = { intervalSeconds: checkpoint.value };
  }
  if (maxRuntime.value !== undefined) {
    spec.maxRuntimeSeconds = maxRuntime.value;
  }
  if (maxRetries.value !== undefined) spec.maxRetries = maxRetries.value;
  if (form.dataResidency.trim()) {
    spec.dataResidency = form.dataResidency.trim();
  }
  if (form.compliance.length > 0) spec.compliance = form.compliance;
  if (form.experiment.trim()) spec.experiment = form.experiment.trim();
  return { spec, errors };
}
