import { ConflictError, NotFoundError } from '@backstage/errors';
import { TrainingProfile } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { isUniqueViolation } from '../database/uniqueViolation';
import { ConfiguredProfile, ProfileDefinition } from './profileDefinition';
import {
  NewProfileVersion,
  ProfileSyncResult,
  TrainingProfileStore,
} from './TrainingProfileStore';

const PROFILES = 'ml_training_profiles';
const VERSIONS = 'ml_training_profile_versions';

function toProfile(row: any): TrainingProfile {
  return {
    ...JSON.parse(row.definition),
    name: row.name,
    owner: row.owner,
    version: Number(row.version),
    source: row.source,
    createdAt: Number(row.created_at),
    ...(row.created_by && { createdBy: row.created_by }),
  };
}

/** What a version row stores as its definition: nothing of its identity. */
function definitionOnly(definition: ProfileDefinition): ProfileDefinition {
  const { description, pools, spotPolicy, defaults, limits } = definition;
  return { description, pools, spotPolicy, defaults, limits };
}

/**
 * The profile store on the plugin's database (SQLite or PostgreSQL). See
 * {@link TrainingProfileStore}.
 *
 * @internal
 */
export class DatabaseTrainingProfileStore implements TrainingProfileStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }) {
    return new DatabaseTrainingProfileStore(options.knex);
  }

  private current(db: Knex) {
    return db(`${PROFILES} as p`)
      .join(`${VERSIONS} as v`, join =>
        join.on('v.name', 'p.name').andOn('v.version', 'p.current_version'),
      )
      .select('v.*');
  }

  async listCurrent(): Promise<TrainingProfile[]> {
    return (await this.current(this.db).orderBy('v.name')).map(toProfile);
  }

  async getCurrent(name: string): Promise<TrainingProfile | undefined> {
    const row = await this.current(this.db).where('p.name', name).first();
    return row && toProfile(row);
  }

  async getVersion(
    name: string,
    version: number,
  ): Promise<TrainingProfile | undefined> {
    const row = await this.db(VERSIONS).where({ name, version }).first();
    return row && toProfile(row);
  }

  async getVersions(
    refs: Array<{ name: string; version: number }>,
  ): Promise<TrainingProfile[]> {
    const unique = [
      ...new Map(refs.map(r => [`${r.name}@${r.version}`, r])).values(),
    ];
    const found: TrainingProfile[] = [];
    for (const batch of chunks(unique, 200)) {
      const rows = await this.db(VERSIONS).where(q => {
        for (const ref of batch) {
          q.orWhere({ name: ref.name, version: ref.version });
        }
      });
      found.push(...rows.map(toProfile));
    }
    return found;
  }

  async listVersions(name: string): Promise<TrainingProfile[]> {
    const rows = await this.db(VERSIONS)
      .where({ name })
      .orderBy('version', 'desc');
    return rows.map(toProfile);
  }

  async create(version: NewProfileVersion): Promise<TrainingProfile> {
    try {
      await this.db.transaction(async tx => {
        await this.insertProfile(tx, version, null);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `A training profile named '${version.name}' already exists`,
        );
      }
      throw error;
    }
    return (await this.getCurrent(version.name))!;
  }

  async addVersion(
    version: NewProfileVersion & { baseVersion?: number },
  ): Promise<TrainingProfile> {
    const made = await this.nextVersion(version, current => {
      if (
        version.baseVersion !== undefined &&
        version.baseVersion !== current
      ) {
        throw new ConflictError(
          `Training profile '${version.name}' is at version ${current}, not ${version.baseVersion}: it changed meanwhile`,
        );
      }
      return {};
    });
    return (await this.getVersion(version.name, made))!;
  }

  async syncConfig(
    profiles: ConfiguredProfile[],
  ): Promise<ProfileSyncResult[]> {
    const results: ProfileSyncResult[] = [];
    for (const profile of profiles) {
      results.push(await this.syncOne(profile));
    }
    return results;
  }

  private async syncOne(
    profile: ConfiguredProfile,
    retried = false,
  ): Promise<ProfileSyncResult> {
    const version: NewProfileVersion = { ...profile, source: 'config' };
    try {
      const row = await this.db(PROFILES).where({ name: profile.name }).first();
      if (!row) {
        await this.db.transaction(tx =>
          this.insertProfile(tx, version, profile.digest),
        );
        return { name: profile.name, version: 1, changed: true };
      }
      if (row.config_digest === profile.digest) {
        return {
          name: profile.name,
          version: Number(row.current_version),
          changed: false,
        };
      }
      const made = await this.nextVersion(version, (_current, digest) =>
        // Another replica synced this config first.
        digest === profile.digest
          ? undefined
          : { config_digest: profile.digest },
      );
      return { name: profile.name, version: made, changed: true };
    } catch (error) {
      // A replica starting with us made the same version: read what it made.
      if (isUniqueViolation(error) && !retried) {
        return this.syncOne(profile, true);
      }
      throw error;
    }
  }

  private async insertProfile(
    tx: Knex.Transaction,
    version: NewProfileVersion,
    digest: string | null,
  ) {
    const now = Date.now();
    await tx(PROFILES).insert({
      name: version.name,
      owner: version.owner,
      current_version: 1,
      config_digest: digest,
      created_at: now,
      updated_at: now,
    });
    await this.insertVersion(tx, version, 1, now);
  }

  private async insertVersion(
    tx: Knex.Transaction,
    version: NewProfileVersion,
    number: number,
    now: number,
  ) {
    await tx(VERSIONS).insert({
      name: version.name,
      version: number,
      owner: version.owner,
      definition: JSON.stringify(definitionOnly(version.definition)),
      source: version.source,
      created_by: version.createdBy ?? null,
      created_at: now,
    });
  }

  /**
   * Adds the version after the current one, in one transaction holding the profile's
   * row (FOR UPDATE on PostgreSQL; SQLite serialises writers): `decide` sees the current
   * version and config digest and returns more columns for the profile row, throws to
   * refuse, or returns undefined to add nothing (then the current version is returned).
   */
  private async nextVersion(
    version: NewProfileVersion,
    decide: (
      current: number,
      digest: string | null,
    ) => Record<string, unknown> | undefined,
  ): Promise<number> {
    return this.db.transaction(async tx => {
      const query = tx(PROFILES).where({ name: version.name });
      if (tx.client.config.client === 'pg') query.forUpdate();
      const row = await query.first();
      if (!row) {
        throw new NotFoundError(`No training profile '${version.name}'`);
      }
      const current = Number(row.current_version);
      const extra = decide(current, row.config_digest ?? null);
      if (!extra) return current;
      const now = Date.now();
      await this.insertVersion(tx, version, current + 1, now);
      await tx(PROFILES)
        .where({ name: version.name, current_version: current })
        .update({
          owner: version.owner,
          current_version: current + 1,
          updated_at: now,
          ...extra,
        });
      return current + 1;
    });
  }
}
