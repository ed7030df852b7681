/**
 * `yarn eval [--json FILE] [--variant SEED] SCENARIO_OR_DIR...`: runs
 * scenario files through the pipeline on the sandbox, prints a table and
 * the scores, and writes the JSON report (version 1) with `--json`. With
 * `--variant`, every scenario runs as its renamed and time-shifted variant
 * for that seed (`variant.ts`). Exits 0 whatever the scores; 2 on bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EvalReport } from './report';
import { runTargets, RunResult } from './run';
import { Ratio, ScenarioScore, scoreRun, Scores } from './scorer';
import { runVariantTargets, variantShiftMs } from './variant';

const USAGE =
  'usage: yarn eval [--json FILE] [--variant SEED] SCENARIO_OR_DIR...';

export interface CliArgs {
  json?: string;
  /** Run every scenario as its variant for this seed (see `variant.ts`). */
  variant?: number;
  targets: string[];
}

function parseSeed(text: string | undefined): number {
  if (!text || !/^\d+$/.test(text))
    throw new Error(`--variant needs a seed (a whole number)\n${USAGE}`);
  return Number(text);
}

/** Parses the arguments; throws a usage message on bad usage. */
export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = { targets: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      const file = argv[++i];
      if (!file) throw new Error(`--json needs a file name\n${USAGE}`);
      out.json = file;
    } else if (arg.startsWith('--json=')) {
      out.json = arg.slice('--json='.length);
      if (!out.json) throw new Error(`--json needs a file name\n${USAGE}`);
    } else if (arg === '--variant') {
      out.variant = parseSeed(argv[++i]);
    } else if (arg.startsWith('--variant=')) {
      out.variant = parseSeed(arg.slice('--variant='.length));
    } else if (arg === '--') {
      out.targets.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    } else {
      out.targets.push(arg);
    }
  }
  if (!out.targets.length)
    throw new Error(`no scenario file or directory given\n${USAGE}`);
  return out;
}

function mark(ok: boolean | undefined): string {
  if (ok === undefined) return '';
  return ok ? ' ✓' : ' ✗';
}

function row(score: ScenarioScore, result: RunResult): string[] {
  const { report } = result;
  const incident = score.incident;
  const top = incident?.rootCause[0]?.category ?? '-';
  const expected = score.expected;
  let category = top;
  if (expected?.incident) {
    category = `${expected.category} / ${top}${mark(score.top1)}`;
  } else if (expected) {
    category = `none / ${incident ? top : 'none'}${mark(!score.falseIncident)}`;
  }
  return [
    report.id,
    category,
    `${incident?.entity ?? '-'}${mark(score.entity)}`,
    `${incident?.plan[0] ?? '-'}${mark(score.firstAction)}`,
    incident?.openedAt ?? '-',
    report.error ? '-' : String(report.resolved),
    String(report.wallMs),
    report.error ? report.error.split('\n')[0] : '',
  ];
}

/** A plain-text table, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

const pct = (r: Ratio) =>
  r.rate === null
    ? `n/a (0 scenarios)`
    : `${(r.rate * 100).toFixed(0)}% (${r.hits}/${r.of})`;

/** The scores as printed lines. */
export function formatScores(scores: Scores): string {
  const t = scores.timeToOpen;
  return [
    `scenarios:               ${scores.scenarios} (${scores.errors} with errors)`,
    `detection recall:        ${pct(scores.detectionRecall)}`,
    `false incidents (noise): ${pct(scores.falseIncidents)}`,
    `root cause top-1:        ${pct(scores.rootCauseTop1)}`,
    `root cause top-3:        ${pct(scores.rootCauseTop3)}`,
    `culprit object top-1:    ${pct(scores.objectTop1)}`,
    `culprit object top-3:    ${pct(scores.objectTop3)}`,
    `entity:                  ${pct(scores.entity)}`,
    `first action:            ${pct(scores.firstAction)}`,
    `resolved:                ${pct(scores.resolved)}`,
    `time to open:            p50 ${t.p50 ?? 'n/a'}s, p95 ${t.p95 ?? 'n/a'}s (${
      t.n
    } incidents)`,
  ].join('\n');
}

export async function main(
  argv: string[],
  out: (line: string) => void = line => process.stdout.write(`${line}\n`),
): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const variant = args.variant;
  const onResult = (r: RunResult) =>
    out(
      `ran ${r.report.id}${
        variant !== undefined ? ` (variant ${variant})` : ''
      } in ${r.report.wallMs} ms${
        r.report.error ? ` (error: ${r.report.error.split('\n')[0]})` : ''
      }`,
    );
  if (variant !== undefined)
    out(
      `variant run, seed ${variant}: every scenario runs with its names, namespaces and images renamed and its timeline shifted by +${
        variantShiftMs(variant) / 1000
      }s`,
    );
  const results =
    variant !== undefined
      ? await runVariantTargets(args.targets, variant, { onResult })
      : await runTargets(args.targets, { onResult });
  const { perScenario, scores } = scoreRun(
    results.map(r => ({ report: r.report, scenario: r.scenario })),
  );
  out('');
  out(
    formatTable(
      [
        'scenario',
        'expected / top-1',
        'entity',
        'first action',
        'openedAt',
        'resolved',
        'wallMs',
        'error',
      ],
      perScenario.map((s, i) => row(s, results[i])),
    ),
  );
  out('');
  if (variant !== undefined) out(`variant run (seed ${variant})`);
  out(formatScores(scores));
  const totalMs = Date.now() - started;
  out(`total wall time:         ${(totalMs / 1000).toFixed(1)}s`);
  if (args.json) {
    const report: EvalReport & {
      scores: Scores;
      variant?: { seed: number; shiftSeconds: number };
    } = {
      version: 1,
      scenarios: results.map(r => r.report),
      scores,
      ...(variant !== undefined
        ? {
            variant: {
              seed: variant,
              shiftSeconds: variantShiftMs(variant) / 1000,
            },
          }
        : {}),
    };
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    out(`wrote ${args.json}`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    code => process.exit(code),
    error => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
