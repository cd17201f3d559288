/**
 * Training jobs as the portal API and pages speak them. A job's truth is its database
 * row; its attempts are the tries on compute (a preempted attempt is followed by
 * another that resumes from the checkpoint); its events are the "why" timeline.
 * Statuses, attempts, events, pools and profiles are the OpenAPI document's shapes; a
 * job and its spec stay written here, where the spec's resources are always filled in.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** @public */
export type JobStatus = Schemas['JobStatus'];

/** The end states: nothing happens to a job after these. @public */
export const FINAL_JOB_STATUSES: JobStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
];

/** @public */
export type AttemptState = Schemas['AttemptState'];

/** Why a job waits: the admission check that stopped it. @public */
export type PendingReason = Schemas['PendingReason'];

/** What a user submits. Secrets are referenced by name, never passed by value. @public */
export type JobSpec = {
  name: string;
  /**
   * Backstage group entity ref: one of the submitter's groups (refused otherwise);
   * defaults to their first group.
   */
  owner?: string;
  /** A training profile (golden path) or an explicit pool. */
  profile?: string;
  pool?: string;
  image?: string;
  command: string[];
  /** Plain variables; readers outside the owner team see their names, not their values. */
  env?: Record<string, string>;
  /**
   * Environment variables from secrets, by reference: `{ name: 'HF_TOKEN', secretRef: 'hf/token' }`.
   * Only references the owner's scope allows on the job's targets (its secret scopes, set
   * through the API or `ml.training.secretScopes`).
   */
  secretEnv?: Array<{ name: string; secretRef: string }>;
  resources: { gpus: number; cpu?: number; memoryMiB?: number };
  priority?: number;
  spotAllowed?: boolean;
  checkpoint?: { uri?: string; intervalSeconds?: number };
  /** Each attempt is stopped and fails (`max runtime exceeded`) once it runs longer. */
  maxRuntimeSeconds?: number;
  maxRetries?: number;
  /** Where the job's input data may be processed, e.g. `eu`; pools outside it are refused. */
  dataResidency?: string;
  /** Compliance labels the inputs require, e.g. `hipaa`. */
  compliance?: string[];
  /** The MLflow experiment the job's run is created in (id or name). */
  experiment?: string;
  /** What the job reads, recorded as lineage to the job and its run. */
  inputs?: {
    /** Dataset ids or names (a name means its newest digest). */
    datasets?: string[];
    /** Feature views as `<project>/<name>`. */
    featureViews?: string[];
  };
};

/** @public */
export type JobAttempt = Schemas['JobAttempt'];

/** @public */
export type JobEvent = Schemas['JobEvent'];

/** @public */
export type TrainingJob = {
  jobId: string;
  name: string;
  owner: string;
  status: JobStatus;
  /** Human-readable: why it is pending, why it failed. */
  statusMessage?: string;
  pendingReason?: PendingReason;
  profile?: string;
  /** The version of `profile` the job was submitted with; its limits and pools apply. */
  profileVersion?: number;
  pool?: string;
  priority: number;
  gpus: number;
  spotAllowed: boolean;
  submittedBy?: string;
  createdAt: number;
  updatedAt: number;
  experimentId?: string;
  runId?: string;
  spec: JobSpec;
};

/** A job with its attempts, timeline and, while pending, its place in the queue. @public */
export type TrainingJobDetails = TrainingJob & {
  attempts: JobAttempt[];
  events: JobEvent[];
  /** 1-based position among pending jobs that could use the same pools. */
  queuePosition?: number;
};

/** A GPU pool with its capacity and current use. @public */
export type GpuPoolSummary = Schemas['GpuPoolSummary'];

/**
 * A golden path for training, at one of its versions: which pools, defaults and limits
 * a team starts from, owned by the group that edits it. @public
 */
export type TrainingProfile = Schemas['TrainingProfile'];

/** A profile's whole definition, as created or changed (a new version). @public */
export type TrainingProfileInput = Schemas['TrainingProfileInput'];

/** A team's GPU quotas, set by the platform team or from config, and where they came from. @public */
export type TeamQuotas = Schemas['TeamQuotas'];

/** The body that replaces a team's GPU quotas. @public */
export type SetTeamQuotasRequest = Schemas['SetTeamQuotasRequest'];

/** The secret references a team's jobs may use, and where they were set. @public */
export type TeamSecretScopes = Schemas['TeamSecretScopes'];

/** The body that replaces a team's secret scopes. @public */
export type SetSecretScopesRequest = Schemas['SetSecretScopesRequest'];

/** Whether a profile's jobs may, must or must never run on spot capacity. @public */
export type SpotPolicy = Schemas['SpotPolicy'];

/** The `spec.type` of a training profile's catalog `Resource` entity. @public */
export const ML_TRAINING_PROFILE_ENTITY_TYPE = 'ml-training-profile';
