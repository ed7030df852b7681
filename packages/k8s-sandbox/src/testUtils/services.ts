import { existsSync } from 'node:fs';

/**
 * Finds a tool the tests need (e.g. kubectl). Missing: the test is skipped
 * with a line starting with SKIPPED, unless `AI_SRE_REQUIRE_SERVICES` (a
 * comma list, as in CI) names it, when that is an error.
 */
export function requireTool(name: string, paths: string[]): string | undefined {
  const found = paths.find(path => existsSync(path));
  if (found) return found;
  const required = (process.env.AI_SRE_REQUIRE_SERVICES ?? '').split(',');
  if (required.includes(name)) {
    throw new Error(
      `${name} is required (AI_SRE_REQUIRE_SERVICES) but none of ${paths.join(
        ', ',
      )} exists`,
    );
  }
  // eslint-disable-next-line no-console
  console.warn(
    `SKIPPED: tests that need ${name}, which is not installed (${paths.join(
      ', ',
    )})`,
  );
  return undefined;
}
