/* eslint-disable no-console */
/**
 * `yarn sandbox [--port N] [--speed N] [--kubeconfig FILE] [--admin-token T]
 *   [--rbac] [SCENARIO...]`
 *
 * Starts the simulated cluster and writes a kubeconfig that kubectl uses as
 * is. Several scenarios are merged (objects, images and timelines).
 *
 * `yarn sandbox inject --server URL --token T SCENARIO` plays a scenario's
 * timeline into a running sandbox, creating the objects it needs.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadScenarioFile, Scenario, ScenarioError } from './scenario';
import { mergeScenarios } from './sim/merge';
import { startSandbox } from './sandbox';

interface Args {
  flags: Map<string, string | true>;
  positional: string[];
}

const BOOLEAN_FLAGS = new Set(['rbac', 'help', 'no-tls']);

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (BOOLEAN_FLAGS.has(name)) {
        flags.set(name, true);
      } else {
        const value = inline ?? argv[++i];
        if (value === undefined) {
          throw new Error(`--${name} needs a value`);
        }
        flags.set(name, value);
      }
    } else {
      positional.push(arg);
    }
  }
  return { flags, positional };
}

function numberFlag(args: Args, name: string): number | undefined {
  const value = args.flags.get(name);
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (value === true || !Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`--${name} must be a non-negative number, got ${value}`);
  }
  return parsed;
}

function stringFlag(args: Args, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

const USAGE = `Usage:
  yarn sandbox [--port N] [--speed N] [--kubeconfig FILE] [--admin-token TOKEN] [--rbac] [SCENARIO...]
  yarn sandbox inject --server URL --token TOKEN SCENARIO

  --speed N       simulated seconds per wall second (default 1)
  --kubeconfig    write an admin kubeconfig (for kubectl) to FILE
`;

async function inject(args: Args) {
  const server = stringFlag(args, 'server');
  const token = stringFlag(args, 'token');
  const [file] = args.positional;
  if (!server || !token || !file) {
    throw new Error(
      `inject needs --server, --token and a scenario file\n${USAGE}`,
    );
  }
  loadScenarioFile(file); // fail here, with the file's own name, if broken
  const response = await fetch(
    `${server.replace(/\/$/, '')}/sandbox/v1/inject`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'text/yaml',
      },
      body: await readFile(file, 'utf8'),
    },
  );
  const body = await response.text();
  if (!response.ok) {
    throw new Error(
      `The sandbox refused the scenario (${response.status}): ${body}`,
    );
  }
  console.log(body);
}

async function serve(args: Args) {
  const scenarios: Scenario[] = args.positional.map(file =>
    loadScenarioFile(file),
  );
  const speed = numberFlag(args, 'speed') ?? 1;
  const sandbox = await startSandbox({
    scenario: scenarios.length ? mergeScenarios(scenarios) : undefined,
    speed,
    port: numberFlag(args, 'port'),
    host: stringFlag(args, 'host'),
    rbac: args.flags.has('rbac'),
    adminToken: stringFlag(args, 'admin-token'),
    tls: !args.flags.has('no-tls'),
  });
  const kubeconfigFile = stringFlag(args, 'kubeconfig');
  if (kubeconfigFile) {
    writeFileSync(
      kubeconfigFile,
      sandbox.kubectlKubeconfig ?? sandbox.kubeconfig,
      { mode: 0o600 },
    );
  }
  console.log(
    [
      `sandbox cluster serving the Kubernetes API on ${sandbox.url}${
        sandbox.httpsUrl ? ` and ${sandbox.httpsUrl}` : ''
      }`,
      `scenario: ${sandbox.cluster.scenario.id} (${sandbox.cluster.scenario.title}), speed ${speed}x`,
      kubeconfigFile
        ? `kubeconfig: ${kubeconfigFile}  (try: KUBECONFIG=${kubeconfigFile} kubectl get pods -A)`
        : 'pass --kubeconfig FILE to write a kubeconfig for kubectl',
    ].join('\n'),
  );
  const shutdown = async () => {
    await sandbox.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function main(argv: string[]) {
  const args = parseArgs(argv);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return;
  }
  if (args.positional[0] === 'inject') {
    args.positional.shift();
    await inject(args);
    return;
  }
  await serve(args);
}

main(process.argv.slice(2)).catch(error => {
  console.error(
    error instanceof ScenarioError
      ? error.message
      : String(error?.message ?? error),
  );
  process.exit(2);
});
