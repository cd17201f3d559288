import { ResponseError } from '@backstage/errors';
import {
  GpuPoolSummary,
  JobAttempt,
  TrainingJobDetails,
  TrainingProfile,
} from '@ml-portal/plugin-ml-common';

/** Test data for the training pages. @internal */
export const submittedAt = Date.UTC(2026, 10, 23, 9, 0, 0);

/** @internal */
export const pools: GpuPoolSummary[] = [
  {
    name: 'a100-eu',
    target: 'kubernetes',
    region: 'eu-west-1',
    gpuType: 'nvidia-a100',
    spot: false,
    capacityGpus: 16,
    usedGpus: 12,
    pendingJobs: 3,
    compliance: ['hipaa', 'gdpr'],
  },
  {
    name: 'h100-spot-us',
    target: 'sagemaker',
    region: 'us-east-1',
    gpuType: 'nvidia-h100',
    spot: true,
    capacityGpus: 8,
    usedGpus: 0,
    pendingJobs: 0,
    compliance: [],
  },
];

/** A profile at version 1 from config, owned by the platform team. @internal */
export function makeProfile(
  profile: Pick<TrainingProfile, 'name' | 'pools' | 'defaults' | 'limits'> &
    Partial<TrainingProfile>,
): TrainingProfile {
  return {
    owner: 'group:default/ml-platform',
    version: 1,
    spotPolicy: 'allowed',
    source: 'config',
    createdAt: submittedAt,
    ...profile,
  };
}

/** @internal */
export const profiles: TrainingProfile[] = [
  makeProfile({
    name: 'gpu-small',
    description: 'Fine-tuning on one node',
    pools: ['a100-eu', 'h100-spot-us'],
    defaults: {
      gpus: 2,
      maxRuntimeSeconds: 7200,
      checkpointIntervalSeconds: 600,
      spotAllowed: true,
    },
    limits: { maxGpus: 4 },
  }),
];

/** A job, pending for capacity unless told otherwise. @internal */
export function makeJob(
  overrides: Partial<TrainingJobDetails> = {},
): TrainingJobDetails {
  return {
    jobId: 'job-1',
    name: 'bert-finetune',
    owner: 'group:default/nlp',
    status: 'PENDING',
    statusMessage: 'a100-eu has 4 of 16 GPUs free; the job needs 8',
    pendingReason: 'capacity',
    profile: 'gpu-small',
    priority: 10,
    gpus: 8,
    spotAllowed: true,
    submittedBy: 'user:default/alice',
    createdAt: submittedAt,
    updatedAt: submittedAt + 60_000,
    spec: {
      name: 'bert-finetune',
      command: ['python', 'train.py'],
      resources: { gpus: 8 },
    },
    attempts: [],
    events: [],
    ...overrides,
  };
}

/** An attempt on the first pool. @internal */
export function makeAttempt(overrides: Partial<JobAttempt>): JobAttempt {
  return {
    attemptId: 'att-1',
    attemptNumber: 1,
    pool: 'a100-eu',
    target: 'kubernetes',
    externalName: 'bert-finetune-1',
    state: 'RUNNING',
    spot: true,
    gpus: 8,
    gpuType: 'nvidia-a100',
    startedAt: submittedAt + 120_000,
    ...overrides,
  };
}

/** The error the API client throws when the job queue is down. @internal */
export function unavailable(): Promise<ResponseError> {
  return ResponseError.fromResponse({
    ok: false,
    status: 503,
    statusText: 'Service Unavailable',
    url: 'http://localhost:7007/api/ml/training/jobs',
    headers: new Headers({ 'content-type': 'application/json' }),
    redirected: false,
    type: 'basic',
    text: async () =>
      JSON.stringify({
        error: { name: 'ServiceUnavailableError', message: 'Redis is down' },
        request: { method: 'POST', url: '/api/ml/training/jobs' },
        response: { statusCode: 503 },
      }),
  });
}
