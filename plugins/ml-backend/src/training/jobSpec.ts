import { InputError } from '@backstage/errors';
import { z } from 'zod';

const jobSpecSchema = z.object({
  name: z.string().min(1).max(250),
  owner: z.string().min(1).max(500).optional(),
  profile: z.string().optional(),
  pool: z.string().optional(),
  image: z.string().optional(),
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()).optional(),
  secretEnv: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
        secretRef: z.string().min(1),
      }),
    )
    .optional(),
  resources: z
    .object({
      gpus: z.number().int().min(0).optional(),
      cpu: z.number().positive().optional(),
      memoryMiB: z.number().int().positive().optional(),
    })
    .optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  spotAllowed: z.boolean().optional(),
  checkpoint: z
    .object({
      uri: z.string().optional(),
      intervalSeconds: z.number().int().positive().optional(),
    })
    .optional(),
  maxRuntimeSeconds: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(20).optional(),
  dataResidency: z.string().optional(),
  compliance: z.array(z.string()).optional(),
  experiment: z.string().optional(),
  inputs: z
    .object({
      datasets: z.array(z.string().min(1).max(500)).max(100).optional(),
      featureViews: z
        .array(
          z.string().regex(/^[^\s/,]+\/[^\s/,]+$/, 'expected <project>/<name>'),
        )
        .max(100)
        .optional(),
    })
    .optional(),
});

/** Env names the platform sets; a spec may not override them. @internal */
export const RESERVED_ENV =
  /^(MLFLOW_|ML_JOB_|CUDA_VISIBLE_DEVICES$|CHECKPOINT_)/;

/**
 * The spec as submitted (before profile defaults and the owner are filled in), or an
 * InputError naming the first field whose shape is wrong.
 *
 * @internal
 */
export function parseJobSpec(input: unknown): z.infer<typeof jobSpecSchema> {
  const parsed = jobSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `Invalid job spec: ${issue.path.join('.') || 'spec'}: ${issue.message}`,
    );
  }
  return parsed.data;
}
