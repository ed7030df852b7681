/**
 * `yarn ai-sre analyze`: the AI SRE detectors and reasoning, once, over a
 * live cluster (listed, not watched) or a saved `kubectl get -o json|yaml`
 * snapshot. Prints findings and incidents as a table or Markdown, writes
 * the JSON report with `--json`. Exits 0 with no findings, 1 with
 * findings, 2 when it could not analyse (bad usage, unreadable file, not
 * Kubernetes JSON or YAML, unreachable cluster).
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze, telemetryKinds } from './analyze';
import { formatReport, OutputFormat } from './format';
import { listCluster, loadKubeConfig, probe, TrackingKubeClient } from './live';
import { InputError, readSnapshots, snapshotTime } from './snapshot';

export const USAGE = `usage: yarn ai-sre analyze [--kubeconfig FILE] [--context NAME] [--namespace NS]
                          [--snapshot FILE]... [--json FILE|-] [--format table|markdown]
                          [--at TIME]

  Live (default): lists what AI SRE's telemetry reads from the cluster of the
  kubeconfig (--kubeconfig, else KUBECONFIG or ~/.kube/config) and its current
  or --context context, with recent Events and the logs of failing containers.
  --snapshot FILE: reads a Kubernetes List as \`kubectl get -A -o json\` (or
  -o yaml) writes it instead; repeat it for several files.

  --namespace NS   only that namespace (and the nodes its pods run on)
  --json FILE      also write the JSON report to FILE (- for stdout only)
  --format         table (default) or markdown, on stdout
  --at TIME        judge the cluster at this time (ISO 8601); default now for
                   live runs, the latest time a snapshot holds for snapshots

  Exit status: 0 no findings, 1 findings, 2 could not analyse.`;

export interface CliArgs {
  help?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  snapshots: string[];
  json?: string;
  format: OutputFormat;
  at?: number;
}

class UsageError extends InputError {}

const VALUE_OPTIONS = [
  'kubeconfig',
  'context',
  'namespace',
  'snapshot',
  'json',
  'format',
  'at',
] as const;

/** Parses `analyze [options]`; throws a {@link UsageError} on bad usage. */
export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { snapshots: [], format: 'table' };
  if (argv.some(a => a === '--help' || a === '-h') || argv[0] === 'help') {
    return { ...args, help: true };
  }
  const [command, ...rest] = argv;
  if (command !== 'analyze') {
    throw new UsageError(
      command ? `unknown command ${command}` : 'no command given',
    );
  }
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    let name: string;
    let value: string | undefined;
    if (arg === '-n') {
      name = 'namespace';
      value = rest[++i];
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (!(VALUE_OPTIONS as readonly string[]).includes(name)) {
        throw new UsageError(`unknown option ${arg}`);
      }
      value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    } else {
      throw new UsageError(`unexpected argument ${arg}`);
    }
    if (value === undefined || value === '') {
      throw new UsageError(`--${name} needs a value`);
    }
    switch (name) {
      case 'snapshot':
        args.snapshots.push(value);
        break;
      case 'format':
        if (value !== 'table' && value !== 'markdown') {
          throw new UsageError(
            `--format must be table or markdown, not ${value}`,
          );
        }
        args.format = value;
        break;
      case 'at': {
        const at = Date.parse(value);
        if (!Number.isFinite(at)) {
          throw new UsageError(
            `--at needs an ISO 8601 time (e.g. 2025-03-04T10:00:00Z), not ${value}`,
          );
        }
        args.at = at;
        break;
      }
      default:
        args[name as 'kubeconfig' | 'context' | 'namespace' | 'json'] = value;
    }
  }
  if (args.snapshots.length && (args.kubeconfig || args.context)) {
    throw new UsageError(
      '--kubeconfig and --context are for live runs: a --snapshot is read offline',
    );
  }
  return args;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Where relative paths start (yarn runs scripts elsewhere). */
  cwd: string;
  /** The wall clock (epoch ms). */
  now(): number;
}

const defaultIo = (): CliIo => ({
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  cwd: process.env.INIT_CWD || process.cwd(),
  now: () => Date.now(),
});

/** Runs the CLI; resolves to the exit status. */
export async function main(
  argv: string[],
  io: CliIo = defaultIo(),
): Promise<number> {
  const err = (line: string) => io.stderr(`${line}\n`);
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    err(`ai-sre: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const resolve = (file: string) => path.resolve(io.cwd, file);
  const warn = (line: string) => err(`warning: ${line}`);

  try {
    let result;
    if (args.snapshots.length) {
      const read = readSnapshots(args.snapshots, io.cwd);
      if (!read.objects.length && Object.keys(read.ignored).length) {
        warn(
          `the snapshot holds no object of a kind the detectors read (only ${Object.keys(
            read.ignored,
          ).join(', ')})`,
        );
      }
      let now = args.at ?? snapshotTime(read.objects);
      if (now === undefined) {
        warn('the snapshot holds no times: judging it at the current time');
        now = io.now();
      }
      result = await analyze({
        objects: read.objects,
        now,
        namespace: args.namespace,
        cluster: 'snapshot',
        warn,
      });
    } else {
      const progress = (line: string) => err(line);
      const kubeConfig = loadKubeConfig({
        kubeconfig: args.kubeconfig,
        context: args.context,
        cwd: io.cwd,
      });
      const client = new TrackingKubeClient(kubeConfig, { logs: true });
      const context = kubeConfig.getCurrentContext();
      progress(
        `Connecting to ${client.server}${
          context ? ` (context ${context})` : ''
        }`,
      );
      await probe(client);
      const started = io.now();
      progress(
        `Listing ${
          args.namespace ? `namespace ${args.namespace}` : 'all namespaces'
        }...`,
      );
      const objects = await listCluster(client, telemetryKinds(), {
        namespace: args.namespace,
        progress,
        warn,
      });
      progress(
        `Read ${objects.length} objects in ${(
          (io.now() - started) /
          1000
        ).toFixed(1)}s`,
      );
      result = await analyze({
        objects,
        now: args.at ?? io.now(),
        namespace: args.namespace,
        cluster: context || 'live',
        client,
        progress,
        warn,
      });
    }
    const { report, counts } = result;
    if (args.namespace && !counts.namespaced) {
      warn(
        `nothing was read in namespace ${args.namespace}: does it exist (and may you read it)?`,
      );
    }
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (args.json === '-') {
      io.stdout(json);
    } else {
      if (args.json) {
        const file = resolve(args.json);
        try {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, json);
        } catch (error) {
          throw new InputError(
            `cannot write ${args.json}: ${(error as Error).message}`,
          );
        }
      }
      io.stdout(`${formatReport(report, args.format)}\n`);
    }
    return report.findings.length ? 1 : 0;
  } catch (error) {
    if (error instanceof InputError) {
      err(`ai-sre analyze: ${error.message}`);
    } else {
      err(`ai-sre analyze failed: ${(error as Error)?.stack ?? String(error)}`);
    }
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    code => process.exit(code),
    error => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(2);
    },
  );
}
