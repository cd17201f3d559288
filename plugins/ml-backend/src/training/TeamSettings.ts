import { InputError } from '@backstage/errors';
import {
  mlSecretScopeUpdatePermission,
  mlTrainingQuotaUpdatePermission,
  SetSecretScopesRequest,
  SetTeamQuotasRequest,
  TeamQuotas,
  TeamSecretScopes,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { toGroupRef } from '../shared/groupRefs';
import { ConfiguredPool } from '../shared/pools';
import { SecretScope, TeamQuota } from './config';
import { isSecretPattern } from './secretScopes';
import { TeamSettingsStore } from './TeamSettingsStore';

function teamRef(team: string): string {
  const ref = toGroupRef(team);
  if (!ref) throw new InputError(`team '${team}' is not a group reference`);
  return ref;
}

const fromApi = (stored: { updatedBy?: string; updatedAt: number }) => ({
  source: 'api' as const,
  ...(stored.updatedBy && { updatedBy: stored.updatedBy }),
  updatedAt: stored.updatedAt,
});

/**
 * Teams' GPU quotas and secret scopes as platform-owned data: the platform groups set a
 * team's whole set through the API (`ml.trainingQuota.update`, `ml.secretScope.update`),
 * and it replaces the team's `ml.training.quotas` / `ml.training.secretScopes` config
 * entries, which stay the settings of teams nobody set (and of small installs). Admission
 * reads the quotas each cycle; submission and dispatch read the scopes on each check, so
 * a change holds from the next one on.
 *
 * @internal
 */
export class TeamSettings {
  constructor(
    private readonly options: {
      store: TeamSettingsStore;
      defaults: { quotas: TeamQuota[]; secretScopes: SecretScope[] };
      pools: ConfiguredPool[];
      access: AccessControl;
      now?: () => number;
    },
  ) {}

  /** Every team's quotas now, as admission applies them. */
  async quotas(): Promise<TeamQuota[]> {
    const stored = await this.options.store.listQuotas();
    const set = new Set(stored.map(s => s.team));
    return [
      ...this.options.defaults.quotas.filter(q => !set.has(q.team)),
      ...stored.flatMap(s => s.quotas.map(q => ({ team: s.team, ...q }))),
    ];
  }

  /** Every team's secret scopes now, as submission and dispatch check them. */
  async secretScopes(): Promise<SecretScope[]> {
    const stored = await this.options.store.listSecretScopes();
    const set = new Set(stored.map(s => s.team));
    return [
      ...this.options.defaults.secretScopes.filter(s => !set.has(s.group)),
      ...stored.flatMap(s =>
        s.scopes.map(scope => ({ group: s.team, ...scope })),
      ),
    ];
  }

  /** Every team's quotas with where they were set; anyone may read them, as pools. */
  async listQuotas(): Promise<TeamQuotas[]> {
    const stored = await this.options.store.listQuotas();
    const set = new Set(stored.map(s => s.team));
    const fromConfig = new Map<string, TeamQuotas>();
    for (const { team, ...quota } of this.options.defaults.quotas) {
      if (set.has(team)) continue;
      const entry = fromConfig.get(team) ?? {
        team,
        quotas: [],
        source: 'config',
      };
      entry.quotas.push(quota);
      fromConfig.set(team, entry);
    }
    return [
      ...fromConfig.values(),
      ...stored.map(s => ({ team: s.team, quotas: s.quotas, ...fromApi(s) })),
    ].sort((a, b) => a.team.localeCompare(b.team));
  }

  async getQuotas(team: string): Promise<TeamQuotas> {
    const ref = teamRef(team);
    return (
      (await this.listQuotas()).find(q => q.team === ref) ?? {
        team: ref,
        quotas: [],
        source: 'config',
      }
    );
  }

  /**
   * Replaces a team's quotas: one entry per configured pool, borrowing 0 unless given.
   * Needs `ml.trainingQuota.update` (platform groups).
   */
  async setQuotas(
    caller: Caller,
    team: string,
    input: SetTeamQuotasRequest,
  ): Promise<TeamQuotas> {
    const ref = teamRef(team);
    const seen = new Set<string>();
    for (const [index, { pool }] of input.quotas.entries()) {
      if (!this.options.pools.some(p => p.name === pool)) {
        throw new InputError(
          `quotas[${index}].pool: no pool '${pool}'; the portal has ${
            this.options.pools.map(p => `'${p.name}'`).join(', ') || 'none'
          }`,
        );
      }
      if (seen.has(pool)) {
        throw new InputError(
          `quotas[${index}].pool: '${pool}' is listed twice; one quota per pool`,
        );
      }
      seen.add(pool);
    }
    await this.options.access.authorize(
      caller,
      mlTrainingQuotaUpdatePermission,
    );
    const stored = {
      team: ref,
      quotas: input.quotas.map(q => ({
        pool: q.pool,
        nominalGpus: q.nominalGpus,
        borrowingLimitGpus: q.borrowingLimitGpus ?? 0,
      })),
      updatedBy: caller.userId,
      updatedAt: this.now(),
    };
    await this.options.store.putQuotas(stored);
    return { team: ref, quotas: stored.quotas, ...fromApi(stored) };
  }

  /**
   * A team's secret scopes: for its members and for those who may set them (they
   * name the team's secrets, so other teams do not read them).
   */
  async getSecretScopes(
    caller: Caller,
    team: string,
  ): Promise<TeamSecretScopes> {
    const ref = teamRef(team);
    const { access } = this.options;
    if (
      !caller.groups.includes(ref) &&
      !(await access.holds(caller, mlSecretScopeUpdatePermission))
    ) {
      access.assertMember(caller, "read a team's secret scopes", ref);
    }
    const stored = (await this.options.store.listSecretScopes()).find(
      s => s.team === ref,
    );
    if (stored) return { team: ref, scopes: stored.scopes, ...fromApi(stored) };
    return {
      team: ref,
      scopes: this.options.defaults.secretScopes
        .filter(s => s.group === ref)
        .map(({ target, secrets }) => ({
          ...(target !== undefined && { target }),
          secrets,
        })),
      source: 'config',
    };
  }

  /**
   * Replaces a team's secret scopes. A scope's target must be one a pool runs on, its
   * patterns references or `prefix*`. Needs `ml.secretScope.update` (platform groups).
   */
  async setSecretScopes(
    caller: Caller,
    team: string,
    input: SetSecretScopesRequest,
  ): Promise<TeamSecretScopes> {
    const ref = teamRef(team);
    const targets = new Set(this.options.pools.map(p => p.target));
    for (const [index, scope] of input.scopes.entries()) {
      if (scope.target !== undefined && !targets.has(scope.target)) {
        throw new InputError(
          `scopes[${index}].target: no pool runs on target '${
            scope.target
          }'; pools run on ${
            [...targets].map(t => `'${t}'`).join(', ') || 'none'
          }`,
        );
      }
      const bad = scope.secrets.find(pattern => !isSecretPattern(pattern));
      if (bad !== undefined) {
        throw new InputError(
          `scopes[${index}].secrets: '${bad}' must be a secret reference or a prefix ending in '*'`,
        );
      }
    }
    await this.options.access.authorize(caller, mlSecretScopeUpdatePermission);
    const stored = {
      team: ref,
      scopes: input.scopes.map(({ target, secrets }) => ({
        ...(target !== undefined && { target }),
        secrets: [...new Set(secrets)],
      })),
      updatedBy: caller.userId,
      updatedAt: this.now(),
    };
    await this.options.store.putSecretScopes(stored);
    return { team: ref, scopes: stored.scopes, ...fromApi(stored) };
  }

  private now() {
    return this.options.now?.() ?? Date.now();
  }
}
