/**
 * Loads scenario files and directories and runs each one; a scenario that
 * fails to load or run is reported with its `error` and the run goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  loadScenarioDirResults,
  loadScenarioFile,
  preloadManifestValidators,
  Scenario,
} from '@internal/k8s-sandbox';
import {
  failedReport,
  runScenarioSafely,
  RunScenarioOptions,
} from './pipeline';
import type { ScenarioReport } from './report';

export interface RunResult {
  report: ScenarioReport;
  /** The loaded scenario (with `expect`, for the scorer); absent when it did not load. */
  scenario?: Scenario;
  file: string;
}

type Loaded = { file: string; scenario?: Scenario; error?: unknown };

const idOfFile = (file: string) => path.basename(file).replace(/\.ya?ml$/, '');

/** The scenarios named by files and directories, in order; failures kept. */
export function loadTargets(targets: string[]): Loaded[] {
  const out: Loaded[] = [];
  for (const target of targets) {
    try {
      if (fs.statSync(target).isDirectory()) {
        out.push(...loadScenarioDirResults(target));
        continue;
      }
      out.push({ file: target, scenario: loadScenarioFile(target) });
    } catch (error) {
      out.push({ file: target, error });
    }
  }
  return out;
}

/**
 * Runs every scenario of `targets` one after another, each on a fresh
 * sandbox. `onResult` sees each result as soon as it is ready.
 */
export async function runTargets(
  targets: string[],
  options: RunScenarioOptions & {
    onResult?(result: RunResult): void;
  } = {},
): Promise<RunResult[]> {
  await preloadManifestValidators();
  const results: RunResult[] = [];
  for (const loaded of loadTargets(targets)) {
    const result: RunResult = loaded.scenario
      ? {
          file: loaded.file,
          scenario: loaded.scenario,
          report: await runScenarioSafely(loaded.scenario, options),
        }
      : {
          file: loaded.file,
          report: failedReport(idOfFile(loaded.file), loaded.error),
        };
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
