/*
 * A fresh, migrated PostgreSQL database for a benchmark that drives the services in
 * process (bench:cost, bench:lineage, bench:training), dropped afterwards, on failure too
 * (ML_BENCH_KEEP_DB=1 keeps it for EXPLAIN ANALYZE; its name is printed).
 */
import knexFactory, { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../src/database/migrateDatabase';
import { note, pgConnection } from './benchBackend';

/** Runs `fn` on a new database `<prefix>_<time>` with the ml plugin's schema. */
export async function withScratchDatabase<T>(
  prefix: string,
  fn: (scratch: { name: string; db: Knex }) => Promise<T>,
  options: { connection?: Knex.PgConnectionConfig; poolMax?: number } = {},
): Promise<T> {
  const connection = options.connection ?? pgConnection;
  const name = `${prefix}_${Date.now()}`;
  const admin = knexFactory({
    client: 'pg',
    connection: { ...connection, database: 'postgres' },
  });
  await admin.raw(`CREATE DATABASE ${name}`);
  const db = knexFactory({
    client: 'pg',
    connection: { ...connection, database: name },
    pool: { min: 1, max: options.poolMax ?? 5 },
  });
  try {
    await db.migrate.latest({
      directory: ML_MIGRATIONS_DIR,
      tableName: 'ml_knex_migrations',
    });
    return await fn({ name, db });
  } finally {
    await db.destroy();
    if (process.env.ML_BENCH_KEEP_DB === '1') {
      note(`ML_BENCH_KEEP_DB=1: keeping database ${name}`);
    } else {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    await admin.destroy();
  }
}
