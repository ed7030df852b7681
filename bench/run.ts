/* eslint-disable no-console */
/**
 * `yarn bench [--json FILE] [NAME_PREFIX...]`
 */
import { writeFileSync } from 'node:fs';
import { BenchResult, Benchmark, runBenchmark } from './harness';
import { benchmarks } from './registry';

function parse(argv: string[]) {
  let json: string | undefined;
  const prefixes: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') {
      json = argv[++i];
      if (!json) throw new Error('--json needs a file name');
    } else if (argv[i].startsWith('--json=')) {
      json = argv[i].slice('--json='.length);
    } else {
      prefixes.push(argv[i]);
    }
  }
  return { json, prefixes };
}

function table(results: BenchResult[]): string {
  const rows = results.map(r => [
    r.name,
    `${r.value} ${r.unit}`,
    r.baseline ? `${r.baseline.value} (${r.baseline.name})` : '—',
    r.ratio === null ? '—' : String(r.ratio),
    r.goal,
  ]);
  const header = ['benchmark', 'value', 'baseline', 'ratio', 'goal'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(row => row[i].length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  const notes = results.filter(r => r.note).map(r => `${r.name}: ${r.note}`);
  return [
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
}

async function main() {
  const { json, prefixes } = parse(process.argv.slice(2));
  const selected: Benchmark[] = benchmarks.filter(
    b => prefixes.length === 0 || prefixes.some(p => b.name.startsWith(p)),
  );
  if (selected.length === 0) {
    throw new Error(
      `No benchmark matches ${prefixes.join(', ')}; there are: ${benchmarks
        .map(b => b.name)
        .join(', ')}`,
    );
  }
  const results: BenchResult[] = [];
  for (const benchmark of selected) {
    console.error(`running ${benchmark.name} ...`);
    results.push(await runBenchmark(benchmark));
  }
  console.log(table(results));
  if (json) {
    writeFileSync(
      json,
      `${JSON.stringify({ version: 1, benchmarks: results }, null, 2)}\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
