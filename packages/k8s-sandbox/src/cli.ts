/* eslint-disable no-console */
/**
 * `yarn sandbox [--port N] [--speed N] [--kubeconfig FILE] [--admin-token T]
 *   [--rbac] [--demo [--first-fault S] [--fault-every S]] [SCENARIO...]`
 *
 * Starts the simulated cluster and writes a kubeconfig that kubectl uses as
 * is. Several scenarios are merged (objects, images and timelines).
 *
 * `--demo` runs the demo bookstore (scenarios/demo/bookstore.yaml) and
 * injects the faults of scenarios/demo/faults/ in turn: the first after 45s,
 * then one every 5 minutes, cycling.
 *
 * `yarn sandbox inject --server URL --token T SCENARIO` plays a scenario's
 * timeline into a running sandbox, creating the objects it needs.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDemoScenarios, startFaultRotation } from './demo';
import {
  loadScenarioFile,
  preloadManifestValidators,
  Scenario,
  ScenarioError,
} from './scenario';
import { mergeScenarios } from './sim/merge';
import { startSandbox } from './sandbox';

interface Args {
  flags: Map<string, string | true>;
  positional: string[];
}

const BOOLEAN_FLAGS = new Set(['rbac', 'help', 'no-tls', 'demo', 'epoch']);

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

/**
 * A path given on the command line, relative to where the user ran yarn
 * (`yarn workspace ... sandbox` runs in the package folder; INIT_CWD is
 * where it was invoked).
 */
function userPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function stringFlag(args: Args, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

const USAGE = `Usage:
  yarn sandbox [--port N] [--speed N] [--kubeconfig FILE] [--admin-token TOKEN] [--rbac] [SCENARIO...]
  yarn sandbox --demo [--first-fault SECONDS] [--fault-every SECONDS] [other options] [SCENARIO...]
  yarn sandbox inject --server URL --token TOKEN SCENARIO

  --speed N            simulated seconds per wall second (default 1)
  --kubeconfig FILE    write an admin kubeconfig (for kubectl) to FILE
  --epoch              start the clock at the scenario epoch (2025-03-04T00:00:00Z)
                       instead of now
  --demo               run the demo bookstore (scenarios/demo/bookstore.yaml) and inject
                       the faults of scenarios/demo/faults/ in turn, cycling
  --first-fault S      simulated seconds until the first demo fault (default 45)
  --fault-every S      simulated seconds between two demo faults (default 300)

  inject plays SCENARIO's timeline into the running sandbox (creating the objects
  it needs that are missing), from now; --server is the sandbox's http:// URL.
`;

/** `+1h02m05s` for a number of simulated ms. */
function formatElapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `+${h}h${pad(m)}m${pad(s)}s` : `+${m}m${pad(s)}s`;
}

async function inject(args: Args) {
  const server = stringFlag(args, 'server');
  const token = stringFlag(args, 'token');
  const [given] = args.positional;
  if (!server || !token || !given) {
    throw new Error(
      `inject needs --server, --token and a scenario file\n${USAGE}`,
    );
  }
  const file = userPath(given);
  await preloadManifestValidators();
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
  // Scenario files are validated synchronously; tsx needs the schemas first.
  await preloadManifestValidators();
  const demo = args.flags.has('demo') ? loadDemoScenarios() : undefined;
  if (!demo) {
    for (const flag of ['first-fault', 'fault-every']) {
      if (args.flags.has(flag)) {
        throw new Error(`--${flag} needs --demo\n${USAGE}`);
      }
    }
  }
  const firstFault = numberFlag(args, 'first-fault');
  const faultEvery = numberFlag(args, 'fault-every');
  if (faultEvery === 0) {
    throw new Error('--fault-every must be more than 0 seconds');
  }
  const scenarios: Scenario[] = [
    ...(demo ? [demo.scenario] : []),
    ...args.positional.map(file => loadScenarioFile(userPath(file))),
  ];
  const speed = numberFlag(args, 'speed') ?? 1;
  const sandbox = await startSandbox({
    scenario: scenarios.length ? mergeScenarios(scenarios) : undefined,
    speed,
    port: numberFlag(args, 'port'),
    host: stringFlag(args, 'host'),
    rbac: args.flags.has('rbac'),
    adminToken: stringFlag(args, 'admin-token'),
    tls: !args.flags.has('no-tls'),
    // A served cluster lives in the present, as a real one does: clients
    // compare object times with their own clock. --epoch keeps 2025-03-04.
    startTime: args.flags.has('epoch') ? undefined : Date.now(),
  });
  const kubeconfigFlag = stringFlag(args, 'kubeconfig');
  const kubeconfigFile = kubeconfigFlag ? userPath(kubeconfigFlag) : undefined;
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
  let stopRotation: (() => void) | undefined;
  if (demo) {
    const { cluster } = sandbox;
    const firstAfterMs = (firstFault ?? 45) * 1000;
    const everyMs = (faultEvery ?? 300) * 1000;
    console.log(
      [
        `demo: ${demo.faults.length} faults, the first in ${
          firstAfterMs / 1000
        }s, then one every ${everyMs / 1000}s (simulated):`,
        ...demo.faults.map((f, i) => `  ${i + 1}. ${f.id}: ${f.title}`),
        `play another scenario into the demo with: yarn sandbox inject --server ${
          sandbox.url
        } --token ${
          args.flags.has('admin-token') ? sandbox.adminToken : '<admin token>'
        } SCENARIO`,
      ].join('\n'),
    );
    stopRotation = startFaultRotation(cluster, demo.faults, {
      firstAfterMs,
      everyMs,
      onInject: ({ fault, count, at, elapsedMs, steps }) =>
        console.log(
          `[${new Date(at).toISOString()} ${formatElapsed(elapsedMs)}] fault #${
            count + 1
          } injected: ${fault.id} (${
            fault.title
          }); ${steps} steps over the next ${formatElapsed(
            Math.max(0, ...fault.timeline.map(step => step.at)),
          ).slice(1)}`,
        ),
      onError: (error, fault) =>
        console.error(
          `[${new Date(cluster.clock.now()).toISOString()} ${formatElapsed(
            cluster.elapsed(),
          )}] could not inject ${fault.id}: ${String(
            (error as Error)?.message ?? error,
          )}`,
        ),
    });
  }
  const shutdown = async () => {
    stopRotation?.();
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
