/**
 * eval.wall: wall seconds of `yarn eval` over 50 scenarios, in process,
 * through the CLI's own entry point (`main` of packages/ai-sre-eval/src/
 * cli.ts: load, run each scenario on a fresh sandbox through the whole
 * pipeline, score, format the table; its output is discarded).
 *
 * The 50: every example (packages/k8s-sandbox/scenarios/examples) and
 * library scenarios (packages/ai-sre-eval/scenarios/library) spread evenly
 * over the library in file-name order, as many as make 50. With fewer than
 * 50 files in all, every file, topped up to 50 with seeded variants of them
 * (`variantDocument` of packages/ai-sre-eval/src/variant.ts: renamed and
 * shifted in time, written as scenario files), seeds 1000, 1001, ... The
 * note says which. No baseline (BENCHMARKS.md); one run, no warm-up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  listScenarioFiles,
  loadScenarioFile,
  preloadManifestValidators,
} from '@internal/k8s-sandbox';
import { main as evalCli } from '../packages/ai-sre-eval/src/cli';
import {
  scenarioToDocument,
  variantDocument,
} from '../packages/ai-sre-eval/src/variant';
import type { Benchmark } from './harness';

const SCENARIOS = 50;
const ROOT = path.resolve(__dirname, '..');
const LIBRARY = path.join(ROOT, 'packages/ai-sre-eval/scenarios/library');
const EXAMPLES = path.join(ROOT, 'packages/k8s-sandbox/scenarios/examples');

/** `count` items spread evenly over `list`, in order. */
function spread<T>(list: T[], count: number): T[] {
  if (count >= list.length) return list;
  return Array.from(
    { length: count },
    (_, i) => list[Math.floor((i * list.length) / count)],
  );
}

/** The 50 scenario files, and how the list was made. */
async function targets(tmp: string): Promise<{ files: string[]; how: string }> {
  await preloadManifestValidators();
  const examples = listScenarioFiles(EXAMPLES).slice(0, SCENARIOS);
  const library = listScenarioFiles(LIBRARY);
  const fromLibrary = spread(library, SCENARIOS - examples.length);
  const files = [...fromLibrary, ...examples];
  const missing = SCENARIOS - files.length;
  const how = `${fromLibrary.length} of ${library.length} library + ${examples.length} example scenarios`;
  if (missing === 0) return { files, how };
  const variants = Array.from({ length: missing }, (_, i) => {
    const seed = 1000 + i;
    const source = files[i % files.length];
    const document = variantDocument(
      scenarioToDocument(loadScenarioFile(source)),
      seed,
    );
    const file = path.join(
      tmp,
      `${path.basename(source).replace(/\.ya?ml$/, '')}-variant-${seed}.yaml`,
    );
    // JSON is YAML: the file format, as variant.ts writes it.
    fs.writeFileSync(file, JSON.stringify(document, null, 1));
    return file;
  });
  return {
    files: [...files, ...variants],
    how: `${how} + ${missing} seeded variants`,
  };
}

export const evalWall: Benchmark = {
  name: 'eval.wall',
  unit: 's',
  goal: '<= 120 s',
  better: 'lower',
  runs: 1,
  warmups: 0,
  async measure() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-eval-'));
    try {
      const { files, how } = await targets(tmp);
      const lines: string[] = [];
      const start = performance.now();
      const code = await evalCli(files, line =>
        lines.push(...line.split('\n')),
      );
      const seconds = (performance.now() - start) / 1000;
      if (code !== 0) throw new Error(`yarn eval exited with ${code}`);
      const ran = lines.filter(line => line.startsWith('ran '));
      const slowest = ran
        .map(line => ({
          id: line.split(' ')[1],
          ms: Number(/ in (\d+) ms/.exec(line)?.[1] ?? 0),
        }))
        .sort((a, b) => b.ms - a.ms)[0];
      const errors =
        lines
          .find(line => line.startsWith('scenarios:'))
          ?.replace(/^scenarios:\s*/, '') ?? '?';
      const note = `${how}; scenarios: ${errors}; slowest ${slowest?.id} ${(
        (slowest?.ms ?? 0) / 1000
      ).toFixed(1)} s`;
      // eslint-disable-next-line no-console
      console.error(`  ${seconds.toFixed(1)} s: ${note}`);
      return { value: seconds, baseline: null, note };
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
