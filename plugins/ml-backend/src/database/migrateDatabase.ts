import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@ml-portal/plugin-ml-backend',
  'migrations',
);

/**
 * Brings the plugin's schema to the latest migration, unless the operator manages
 * migrations out of band (`backend.database.plugin.ml.skipMigrations`).
 *
 * @internal
 */
export async function migrateDatabase(
  database: DatabaseService,
  knex: Knex,
): Promise<void> {
  if (database.migrations?.skip) {
    return;
  }
  // Replicas starting together race to create knex's migration tables and for its
  // migration lock; the losers wait for the winner instead of failing start-up.
  for (let attempt = 0; ; attempt++) {
    try {
      await knex.migrate.latest({
        directory: migrationsDir,
        tableName: 'ml_knex_migrations',
      });
      return;
    } catch (error) {
      if (!isStartupRace(error) || attempt >= 240) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  }
}

/** @internal */
export const ML_MIGRATIONS_DIR = migrationsDir;

function isStartupRace(error: unknown): boolean {
  const { name, message } = error as Error;
  return (
    name === 'MigrationLocked' ||
    // Another replica created the bookkeeping tables between knex's check and its CREATE.
    /create table [`"]ml_knex_migrations(_lock)?[`"]/.test(message ?? '')
  );
}
