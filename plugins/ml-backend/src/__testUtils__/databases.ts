import { TestDatabases } from '@backstage/backend-test-utils';

/**
 * The databases every store test runs on: SQLite always, PostgreSQL when
 * `BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING` names a server (CI sets it).
 * Docker is never used.
 */
export function createTestDatabases() {
  return TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15'],
    disableDocker: true,
  });
}
