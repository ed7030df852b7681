import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

const POSTGRES_ENV = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * The databases store tests run on: SQLite always, PostgreSQL 15 when its
 * connection string is set. A skipped PostgreSQL run is said out loud, and
 * is an error where `AI_SRE_REQUIRE_SERVICES` lists `postgres` (as in CI).
 */
export function createTestDatabases(): {
  databases: TestDatabases;
  ids: TestDatabaseId[];
} {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  if (process.env[POSTGRES_ENV]) {
    ids.push('POSTGRES_15');
  } else {
    const required = (process.env.AI_SRE_REQUIRE_SERVICES ?? '').split(',');
    if (required.includes('postgres')) {
      throw new Error(
        `PostgreSQL is required (AI_SRE_REQUIRE_SERVICES) but ${POSTGRES_ENV} is not set`,
      );
    }
    // eslint-disable-next-line no-console
    console.warn(
      `SKIPPED: PostgreSQL variants of these tests, because ${POSTGRES_ENV} is not set`,
    );
  }
  const databases = TestDatabases.create({ ids, disableDocker: true });
  return { databases, ids };
}
