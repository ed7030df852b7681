/**
 * telemetry.heap_per_pod: retained heap bytes per pod with 10,000 pods in
 * the monitor's ObjectCache (each pod trimmed by trimObject as the monitor
 * does), measured as the growth of `heapUsed` after `global.gc()`.
 * Baseline: the same 10,000 pods as received (full JSON.parse results,
 * ~6 KB of JSON each with managedFields, annotations, env, volumes), held in
 * an array.
 *
 * `yarn bench` runs tsx without `--expose-gc`, so each run measures in a
 * fresh child `node --expose-gc --import tsx` (which also keeps the heap
 * free of other benchmarks' leftovers).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Benchmark } from './harness';

const ROOT = path.resolve(__dirname, '..');
const CHILD = path.join(__dirname, 'telemetry.heap_per_pod.child.ts');

function runChild(): Promise<{ cached: number; full: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', CHILD],
      { cwd: ROOT, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
        } catch {
          reject(new Error(`Unexpected output: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

export const telemetryHeapPerPod: Benchmark = {
  name: 'telemetry.heap_per_pod',
  unit: 'bytes/pod',
  goal: '<= 2048 bytes, ratio <= 0.2',
  better: 'lower',
  runs: 3,
  async measure() {
    const { cached, full } = await runChild();
    return {
      value: cached,
      baseline: { name: 'full pod objects as received', value: full },
    };
  },
};
