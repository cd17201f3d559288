import { createHash } from 'node:crypto';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { SpotPolicy, TrainingProfile } from '@ml-portal/plugin-ml-common';
import { z } from 'zod';
import { ConfiguredPool } from '../shared/pools';

/**
 * What one version of a profile says, apart from its identity (name, owner, version):
 * the part stored as JSON on each version row.
 *
 * @internal
 */
export type ProfileDefinition = Pick<
  TrainingProfile,
  'description' | 'pools' | 'spotPolicy' | 'defaults' | 'limits'
>;

/** A profile as config defines it, with the digest that tells a config change. @internal */
export type ConfiguredProfile = {
  name: string;
  owner: string;
  definition: ProfileDefinition;
  /** SHA-256 of owner and definition: a new version only when it changes. */
  digest: string;
};

/** Profile names are catalog-safe: lowercase words joined by single `-`, `_` or `.`. */
const PROFILE_NAME = /^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/;

/** No limit set: any number of GPUs the pools hold. */
const UNLIMITED_GPUS = Number.MAX_SAFE_INTEGER;

const definitionSchema = z.object({
  description: z.string().max(2000).optional(),
  pools: z.array(z.string().min(1).max(100)).min(1).max(50),
  spotPolicy: z.enum(['allowed', 'required', 'never']).default('allowed'),
  defaults: z
    .object({
      gpus: z.number().int().min(0).default(1),
      maxRuntimeSeconds: z.number().int().positive().optional(),
      checkpointIntervalSeconds: z.number().int().positive().optional(),
      spotAllowed: z.boolean().optional(),
      image: z.string().min(1).max(500).optional(),
    })
    .strict()
    .default({ gpus: 1 }),
  limits: z
    .object({
      maxGpus: z.number().int().positive().default(UNLIMITED_GPUS),
      maxCostPerJobUsd: z.number().positive().optional(),
    })
    .strict()
    .default({ maxGpus: UNLIMITED_GPUS }),
});

const inputSchema = definitionSchema
  .extend({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(PROFILE_NAME, 'lowercase words joined by -, _ or .')
      .optional(),
    owner: z.string().min(1).max(255).optional(),
    baseVersion: z.number().int().positive().optional(),
  })
  .strict();

/** A parsed create or update request. @internal */
export type ProfileRequest = {
  name?: string;
  owner?: string;
  baseVersion?: number;
  definition: ProfileDefinition;
};

/**
 * Checks a definition against the configured pools (each known; a spot-only profile
 * needs a spot pool) and itself (defaults within limits, spot defaults the policy
 * allows); returns the first problem, phrased for `<where>: ...`.
 */
function definitionProblem(
  definition: ProfileDefinition,
  pools: ConfiguredPool[],
): string | undefined {
  const known = new Map(pools.map(p => [p.name, p]));
  const unknown = definition.pools.filter(name => !known.has(name));
  if (unknown.length > 0) {
    return `pools: unknown GPU pool${unknown.length > 1 ? 's' : ''} ${unknown
      .map(n => `'${n}'`)
      .join(', ')} (known: ${pools.map(p => p.name).join(', ') || 'none'})`;
  }
  if (new Set(definition.pools).size !== definition.pools.length) {
    return 'pools: a pool is named twice';
  }
  if (
    definition.spotPolicy === 'required' &&
    !definition.pools.some(name => known.get(name)!.spot)
  ) {
    return `spotPolicy: 'required' needs a spot pool among ${definition.pools.join(
      ', ',
    )}`;
  }
  const { defaults, limits, spotPolicy } = definition;
  if (defaults.gpus > limits.maxGpus) {
    return `defaults.gpus: ${defaults.gpus} is over limits.maxGpus (${limits.maxGpus})`;
  }
  if (spotPolicy === 'never' && defaults.spotAllowed) {
    return "defaults.spotAllowed: the spot policy is 'never'";
  }
  if (spotPolicy === 'required' && defaults.spotAllowed === false) {
    return "defaults.spotAllowed: the spot policy is 'required'";
  }
  return undefined;
}

/**
 * A create or update request as the API received it, or an InputError (400) naming the
 * first field that is wrong: its shape, an unknown pool, defaults over the limits.
 *
 * @internal
 */
export function parseProfileRequest(
  input: unknown,
  pools: ConfiguredPool[],
): ProfileRequest {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `Invalid training profile: ${issue.path.join('.') || 'profile'}: ${
        issue.message
      }`,
    );
  }
  const { name, owner, baseVersion, ...definition } = parsed.data;
  const problem = definitionProblem(definition, pools);
  if (problem) throw new InputError(`Invalid training profile: ${problem}`);
  return { name, owner, baseVersion, definition };
}

/** SHA-256 of what config says of a profile, in a fixed key order. */
function digestOf(owner: string, definition: ProfileDefinition): string {
  return createHash('sha256')
    .update(JSON.stringify({ owner, definition }))
    .digest('hex');
}

/**
 * The owner of profiles defined in config: `ml.training.profilesOwner`, else the first
 * of `ml.permissions.platformGroups`, else the default owner.
 *
 * @internal
 */
export function readProfilesOwner(config: Config, defaultOwner: string) {
  return (
    config.getOptionalString('ml.training.profilesOwner') ??
    config.getOptionalStringArray('ml.permissions.platformGroups')?.[0] ??
    defaultOwner
  );
}

/**
 * Reads `ml.training.profiles`, each checked like an API request; a mistake stops
 * start-up with the profile's name. Keys are read one by one (config values of the
 * wrong type fail here with their path), in the order `digestOf` hashes them.
 *
 * @internal
 */
export function readConfiguredProfiles(
  config: Config,
  pools: ConfiguredPool[],
  owner: string,
): ConfiguredProfile[] {
  return (config.getOptionalConfigArray('ml.training.profiles') ?? []).map(
    p => {
      const name = p.getString('name');
      if (!PROFILE_NAME.test(name) || name.length > 100) {
        throw new Error(
          `ml.training.profiles: '${name}' is not a profile name (lowercase words joined by -, _ or .)`,
        );
      }
      const profileOwner = p.getOptionalString('owner') ?? owner;
      const parsed = definitionSchema.safeParse({
        description: p.getOptionalString('description'),
        pools: p.getStringArray('pools'),
        spotPolicy: p.getOptionalString('spotPolicy'),
        defaults: {
          gpus: p.getOptionalNumber('defaults.gpus'),
          maxRuntimeSeconds: p.getOptionalNumber('defaults.maxRuntimeSeconds'),
          checkpointIntervalSeconds: p.getOptionalNumber(
            'defaults.checkpointIntervalSeconds',
          ),
          spotAllowed: p.getOptionalBoolean('defaults.spotAllowed'),
          image: p.getOptionalString('defaults.image'),
        },
        limits: {
          maxGpus: p.getOptionalNumber('limits.maxGpus'),
          maxCostPerJobUsd: p.getOptionalNumber('limits.maxCostPerJobUsd'),
        },
      });
      const problem = parsed.success
        ? definitionProblem(parsed.data, pools)
        : `${parsed.error.issues[0].path.join('.')}: ${
            parsed.error.issues[0].message
          }`;
      if (problem || !parsed.success) {
        throw new Error(`ml.training.profiles: profile '${name}': ${problem}`);
      }
      // Without the keys zod leaves undefined, so the digest is the same on every start.
      const definition = JSON.parse(
        JSON.stringify(parsed.data),
      ) as ProfileDefinition;
      return {
        name,
        owner: profileOwner,
        definition,
        digest: digestOf(profileOwner, definition),
      };
    },
  );
}

/**
 * The pools a job on this profile version may be admitted to: its pools, only the spot
 * ones when spot is required.
 *
 * @internal
 */
export function profileJobPools(
  definition: Pick<ProfileDefinition, 'pools' | 'spotPolicy'>,
  pools: ConfiguredPool[],
): string[] {
  if (definition.spotPolicy !== 'required') return definition.pools;
  const spot = new Set(pools.filter(p => p.spot).map(p => p.name));
  return definition.pools.filter(name => spot.has(name));
}

/**
 * A job's spot setting under its profile's policy: what it asked for, else the profile's
 * default; or the problem when it asks for what the policy forbids.
 *
 * @internal
 */
export function spotChoice(
  policy: SpotPolicy,
  requested: boolean | undefined,
  profileDefault: boolean | undefined,
): { spotAllowed: boolean } | { problem: string } {
  if (policy === 'never' && requested) {
    return { problem: "spotAllowed: the profile's spot policy is 'never'" };
  }
  if (policy === 'required' && requested === false) {
    return { problem: "spotAllowed: the profile's spot policy is 'required'" };
  }
  if (policy !== 'allowed') return { spotAllowed: policy === 'required' };
  return { spotAllowed: requested ?? profileDefault ?? false };
}
