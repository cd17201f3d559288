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
  await knex.migrate.latest({
    directory: migrationsDir,
    tableName: 'ml_knex_migrations',
  });
}

/** @internal */
export const ML_MIGRATIONS_DIR = migrationsDir;
