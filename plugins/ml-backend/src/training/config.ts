import { Config } from '@backstage/config';
import { readCallerSettings } from '../shared/caller';
import { ConfiguredPool, readPools } from '../shared/pools';
import { isSecretPattern } from './secretScopes';
import {
  ConfiguredProfile,
  ProfileDefinition,
  profileJobPools,
  readConfiguredProfiles,
  readProfilesOwner,
} from './profileDefinition';

/** A team's share of a pool, in the spirit of Kueue's ClusterQueue quotas. @internal */
export type TeamQuota = {
  team: string;
  pool: string;
  /** GPUs the team is guaranteed. */
  nominalGpus: number;
  /** GPUs it may borrow beyond nominal when others leave them idle. */
  borrowingLimitGpus: number;
};

/**
 * Which secret references one group's jobs may use on one target
 * (`ml.training.secretScopes`): exact references, or prefixes written `prefix*`.
 *
 * @internal
 */
export type SecretScope = {
  group: string;
  /** The compute target the scope applies to; every target when unset. */
  target?: string;
  secrets: string[];
};

/** What the `local` target may do, and for whom (`ml.training.local`). @internal */
export type LocalTargetPolicy = {
  /** Groups whose jobs the local target runs; none when empty (the default). */
  allowedGroups: string[];
  /** Backend variables `env:NAME` secret references may name; none when empty. */
  envAllowlist: string[];
};

/** @internal */
export type TrainingConfig = {
  pools: ConfiguredPool[];
  /** Config's profiles; the profile table is the truth, these are synced into it. */
  profiles: ConfiguredProfile[];
  quotas: TeamQuota[];
  /** Weights for fair share between teams (default 1 each). */
  teamWeights: Record<string, number>;
  /** How often running attempts are polled and the queues reconciled. */
  pollIntervalMs: number;
  local: LocalTargetPolicy;
  secretScopes: SecretScope[];
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads `ml.training.local`'s policy: `allowedGroups` (group entity refs) and
 * `envAllowlist` (variable names). Both default to empty: the local target runs
 * nobody's jobs and hands no backend variable to any.
 *
 * @internal
 */
export function readLocalTargetPolicy(config: Config): LocalTargetPolicy {
  const local = config.getOptionalConfig('ml.training.local');
  const allowedGroups = local?.getOptionalStringArray('allowedGroups') ?? [];
  for (const group of allowedGroups) {
    if (!group.startsWith('group:')) {
      throw new Error(
        `ml.training.local.allowedGroups: '${group}' is not a group entity ref (group:<namespace>/<name>)`,
      );
    }
  }
  const envAllowlist = local?.getOptionalStringArray('envAllowlist') ?? [];
  for (const name of envAllowlist) {
    if (!ENV_NAME.test(name)) {
      throw new Error(
        `ml.training.local.envAllowlist: '${name}' is not an environment variable name`,
      );
    }
  }
  return { allowedGroups, envAllowlist };
}

/**
 * Reads `ml.training.secretScopes`: a list of `{ group, target?, secrets }`. A pattern
 * is an exact reference or a prefix ending in one `*`; any other `*` is refused here, so
 * matching stays a string comparison (no patterns built from what users send).
 *
 * @internal
 */
export function readSecretScopes(config: Config): SecretScope[] {
  return (config.getOptionalConfigArray('ml.training.secretScopes') ?? []).map(
    scope => {
      const group = scope.getString('group');
      if (!group.startsWith('group:')) {
        throw new Error(
          `ml.training.secretScopes: '${group}' is not a group entity ref (group:<namespace>/<name>)`,
        );
      }
      const secrets = scope.getStringArray('secrets');
      for (const pattern of secrets) {
        if (!isSecretPattern(pattern)) {
          throw new Error(
            `ml.training.secretScopes: '${pattern}' of ${group} must be a secret reference or a prefix ending in '*'`,
          );
        }
      }
      return { group, target: scope.getOptionalString('target'), secrets };
    },
  );
}

/**
 * Reads `ml.training`; an absent section means no pools, so every submission is refused.
 * Profiles of config are owned by `ml.training.profilesOwner` (else the first platform
 * group, else the default owner); they are synced into the profile table at start.
 *
 * @internal
 */
export function readTrainingConfig(config: Config): TrainingConfig {
  const training = config.getOptionalConfig('ml.training');
  const pools = readPools(config);
  const profiles = readConfiguredProfiles(
    config,
    pools,
    readProfilesOwner(config, readCallerSettings(config).defaultOwner),
  );
  const quotas = (training?.getOptionalConfigArray('quotas') ?? []).map(q => ({
    team: q.getString('team'),
    pool: q.getString('pool'),
    nominalGpus: q.getNumber('nominalGpus'),
    borrowingLimitGpus: q.getOptionalNumber('borrowingLimitGpus') ?? 0,
  }));
  return {
    pools,
    profiles,
    quotas,
    teamWeights:
      training?.getOptional<Record<string, number>>('teamWeights') ?? {},
    pollIntervalMs: training?.getOptionalNumber('pollIntervalMs') ?? 2000,
    local: readLocalTargetPolicy(config),
    secretScopes: readSecretScopes(config),
  };
}

/**
 * The pools a job of `profile` may be admitted to, by the version it was submitted
 * with; a job from before profiles had versions goes by config's profile of its name.
 *
 * @internal
 */
export function profilePools(
  config: TrainingConfig,
  profile: string | undefined,
  version?: Pick<ProfileDefinition, 'pools' | 'spotPolicy'>,
): string[] {
  const definition =
    version ?? config.profiles.find(p => p.name === profile)?.definition;
  return definition ? profileJobPools(definition, config.pools) : [];
}
