/**
 * The demo cluster and its faults: `scenarios/demo/bookstore.yaml` (every
 * service of the demo catalog, healthy) and `scenarios/demo/faults/*.yaml`
 * (one fault each, injected in turn by {@link startFaultRotation}).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadScenarioFile, Scenario } from '../scenario';

/**
 * `packages/k8s-sandbox/scenarios/demo`, found through the package itself
 * (as `resolvePackagePath` does), wherever the process runs from.
 */
export const DEMO_DIR = path.join(
  path.dirname(require.resolve('@internal/k8s-sandbox/package.json')),
  'scenarios',
  'demo',
);

/** The healthy demo cluster's scenario file. */
export const DEMO_SCENARIO_FILE = path.join(DEMO_DIR, 'bookstore.yaml');

/** The folder of fault scenarios the demo rotates through. */
export const DEMO_FAULTS_DIR = path.join(DEMO_DIR, 'faults');

/** The fault files of a folder (`*.yaml`, `*.yml`), in name order. */
export function faultFiles(dir: string = DEMO_FAULTS_DIR): string[] {
  return readdirSync(dir)
    .filter(name => /\.ya?ml$/.test(name))
    .sort()
    .map(name => path.join(dir, name));
}

export interface DemoScenarios {
  /** The healthy cluster. */
  scenario: Scenario;
  /** The faults, in rotation order (file name order). */
  faults: Scenario[];
}

/** Loads the demo cluster and its faults (throws a ScenarioError if broken). */
export function loadDemoScenarios(
  options: { scenarioFile?: string; faultsDir?: string } = {},
): DemoScenarios {
  return {
    scenario: loadScenarioFile(options.scenarioFile ?? DEMO_SCENARIO_FILE),
    faults: faultFiles(options.faultsDir).map(file => loadScenarioFile(file)),
  };
}
