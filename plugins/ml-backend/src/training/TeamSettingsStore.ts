import { Knex } from 'knex';

/** A team's GPU quotas as the platform team set them (`ml_team_quotas`). @internal */
export type StoredQuotas = {
  team: string;
  quotas: Array<{
    pool: string;
    nominalGpus: number;
    borrowingLimitGpus: number;
  }>;
  updatedBy?: string;
  updatedAt: number;
};

/** The secret references a team's jobs may use, as set (`ml_team_secret_scopes`). @internal */
export type StoredSecretScopes = {
  team: string;
  scopes: Array<{ target?: string; secrets: string[] }>;
  updatedBy?: string;
  updatedAt: number;
};

/**
 * Quotas and secret scopes set through the API, one row per team holding its whole set;
 * config's entries stand for teams without a row.
 *
 * @internal
 */
export interface TeamSettingsStore {
  listQuotas(): Promise<StoredQuotas[]>;
  /** Replaces the team's quotas. */
  putQuotas(quotas: StoredQuotas): Promise<void>;
  listSecretScopes(): Promise<StoredSecretScopes[]>;
  /** Replaces the team's secret scopes. */
  putSecretScopes(scopes: StoredSecretScopes): Promise<void>;
}

type SettingsRow = {
  team: string;
  updated_by: string | null;
  updated_at: number | string;
};

const updated = (row: SettingsRow) => ({
  team: row.team,
  ...(row.updated_by && { updatedBy: row.updated_by }),
  // PostgreSQL returns bigints as strings.
  updatedAt: Number(row.updated_at),
});

/** @internal */
export class DatabaseTeamSettingsStore implements TeamSettingsStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }): DatabaseTeamSettingsStore {
    return new DatabaseTeamSettingsStore(options.knex);
  }

  async listQuotas(): Promise<StoredQuotas[]> {
    const rows: Array<SettingsRow & { quotas: string }> = await this.db(
      'ml_team_quotas',
    ).orderBy('team');
    return rows.map(row => ({
      ...updated(row),
      quotas: JSON.parse(row.quotas),
    }));
  }

  async putQuotas(stored: StoredQuotas): Promise<void> {
    await this.put('ml_team_quotas', stored, {
      quotas: JSON.stringify(stored.quotas),
    });
  }

  async listSecretScopes(): Promise<StoredSecretScopes[]> {
    const rows: Array<SettingsRow & { scopes: string }> = await this.db(
      'ml_team_secret_scopes',
    ).orderBy('team');
    return rows.map(row => ({
      ...updated(row),
      scopes: JSON.parse(row.scopes),
    }));
  }

  async putSecretScopes(stored: StoredSecretScopes): Promise<void> {
    await this.put('ml_team_secret_scopes', stored, {
      scopes: JSON.stringify(stored.scopes),
    });
  }

  private async put(
    table: string,
    stored: { team: string; updatedBy?: string; updatedAt: number },
    columns: Record<string, string>,
  ) {
    await this.db(table)
      .insert({
        team: stored.team,
        ...columns,
        updated_by: stored.updatedBy ?? null,
        updated_at: stored.updatedAt,
      })
      .onConflict('team')
      .merge();
  }
}
