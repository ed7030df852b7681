/*
 * The AI SRE end-to-end test: real headless Chromium against the demo
 * backend, app and sandbox it starts. Run from the repository root with
 * `yarn test:e2e`; it is not part of `yarn test` (the package's unit tests
 * live under src/).
 */
const path = require('node:path');

module.exports = {
  rootDir: __dirname,
  displayName: 'ai-sre-e2e',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.test.ts'],
  transform: {
    '\\.ts$': [
      require.resolve(
        '@backstage/cli-module-test-jest/config/jestSwcTransform',
        { paths: [path.resolve(__dirname, '../../..')] },
      ),
      {
        jsc: { parser: { syntax: 'typescript' } },
        module: { type: 'commonjs' },
      },
    ],
  },
  // One scenario, one browser: there is nothing to run in parallel.
  maxWorkers: 1,
  testTimeout: 600_000,
};
