/**
 * Starts what the end-to-end test drives: the sandbox cluster with the
 * bookstore of the bad-deploy scenario, the Backstage backend (SQLite in a
 * temporary folder) and the app's dev server, each on a free port so the
 * test can run beside a demo on the usual ports. The fault is injected only
 * once the backend watches the cluster, so the change tracker sees the
 * rollout the root cause cites.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
const SCENARIO = join(
  REPO_ROOT,
  'packages/k8s-sandbox/scenarios/examples/bookstore-crashloop-after-deploy.yaml',
);
const SANDBOX_TOKEN = 'e2e-sandbox-admin-token';

/** Debian's Chromium, or the one `AI_SRE_CHROMIUM` names. */
export const CHROMIUM = process.env.AI_SRE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser is there; without it the test is skipped with a
 * `SKIPPED:` line, or fails where `AI_SRE_REQUIRE_SERVICES` lists
 * `chromium` (as in CI).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const required = (process.env.AI_SRE_REQUIRE_SERVICES ?? '').split(',');
  if (required.includes('chromium')) {
    throw new Error(
      `Chromium is required (AI_SRE_REQUIRE_SERVICES) but ${CHROMIUM} does not exist; install Debian's chromium package`,
    );
  }
  // eslint-disable-next-line no-console
  console.warn(
    `SKIPPED: the AI SRE end-to-end test, because ${CHROMIUM} does not exist (apt-get install chromium)`,
  );
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  proc?: Service,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc?.exited) {
      throw new Error(`${proc.name} exited before ${what}:\n${proc.tail()}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await sleep(500);
  }
  throw new Error(
    `Timed out after ${timeoutMs / 1000}s waiting for ${what}${
      proc ? `:\n${proc.tail()}` : ''
    }`,
  );
}

class Service {
  readonly child: ChildProcess;
  output = '';
  exited = false;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { cwd: string; env?: Record<string, string> },
  ) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      // Its own process group, so stop() ends everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) {
        this.output = this.output.slice(-100_000);
      }
    };
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    this.child.on('exit', () => {
      this.exited = true;
    });
  }

  tail(lines = 40): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    if (this.exited || !this.child.pid) return;
    try {
      process.kill(-this.child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 10_000;
    while (!this.exited && Date.now() < deadline) await sleep(100);
    if (!this.exited) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

export interface Services {
  appUrl: string;
  backendUrl: string;
  sandboxUrl: string;
  sandboxToken: string;
  /** Plays the bad deploy into the running sandbox, from now. */
  injectBadDeploy(): Promise<void>;
  /** A guest's Backstage token, for reading the API beside the browser. */
  guestToken(): Promise<string>;
  logs(): string;
  stop(): Promise<void>;
}

const yarnRelease = () => {
  const releases = join(REPO_ROOT, '.yarn/releases');
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const file = readdirSync(releases)
    .filter(f => /^yarn-.*\.cjs$/.test(f))
    .sort()
    .pop();
  if (!file) throw new Error(`No Yarn release in ${releases}`);
  return join(releases, file);
};

export async function startServices(): Promise<Services> {
  const dir = mkdtempSync(join(tmpdir(), 'ai-sre-e2e-'));
  const [sandboxPort, backendPort, appPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const backendUrl = `http://localhost:${backendPort}`;
  const appUrl = `http://localhost:${appPort}`;

  // The cluster as the scenario starts it, with its fault far away; the
  // same scenario injected later rolls the bad image out a few seconds on.
  const scenario = readFileSync(SCENARIO, 'utf8');
  if (!/^ {2}- at: 100s$/m.test(scenario)) {
    throw new Error(`The fault of ${SCENARIO} is no longer at 100s`);
  }
  const idle = join(dir, 'idle.yaml');
  const fault = join(dir, 'bad-deploy.yaml');
  writeFileSync(idle, scenario.replace(/^ {2}- at: 100s$/m, '  - at: 24h'));
  writeFileSync(fault, scenario.replace(/^ {2}- at: 100s$/m, '  - at: 3s'));

  const config = join(dir, 'app-config.e2e.yaml');
  writeFileSync(
    config,
    `app:
  baseUrl: ${appUrl}
backend:
  baseUrl: ${backendUrl}
  listen:
    port: ${backendPort}
  cors:
    origin: ${appUrl}
    methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
    credentials: true
  database:
    client: better-sqlite3
    connection:
      directory: ${join(dir, 'sqlite')}
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: sandbox
          url: ${sandboxUrl}
          authProvider: serviceAccount
          serviceAccountToken: ${SANDBOX_TOKEN}
          skipTLSVerify: true
aiSre:
  clusters:
    - name: sandbox
      metrics:
        scrapeUrl: ${sandboxUrl}/metrics
        scrapeIntervalSeconds: 5
  reasoning:
    intervalSeconds: 5
    # Resolve an incident 10 s after its last active signal (default 120 s),
    # so the test sees the rolled-back incident resolved.
    resolveAfterSeconds: 10
`,
  );
  const configArgs = [
    '--config',
    join(REPO_ROOT, 'app-config.yaml'),
    '--config',
    config,
  ];
  const yarn = yarnRelease();
  const services: Service[] = [];
  const stop = async () => {
    await Promise.all(services.map(s => s.stop()));
  };

  try {
    const sandbox = new Service(
      'sandbox',
      process.execPath,
      [
        yarn,
        'sandbox',
        '--port',
        String(sandboxPort),
        '--admin-token',
        SANDBOX_TOKEN,
        idle,
      ],
      { cwd: REPO_ROOT },
    );
    services.push(sandbox);
    // The backend runs without the CLI's file watcher, so edits elsewhere
    // in the repository do not restart it mid-test. The guest sign-in
    // needs NODE_ENV=development.
    const backend = new Service(
      'backend',
      process.execPath,
      [
        '--enable-source-maps',
        '--require',
        require.resolve('@backstage/cli-node/config/nodeTransform.cjs', {
          paths: [REPO_ROOT],
        }),
        'src/index',
        ...configArgs,
      ],
      {
        cwd: join(REPO_ROOT, 'packages/backend'),
        env: { NODE_ENV: 'development' },
      },
    );
    services.push(backend);
    const app = new Service(
      'app',
      process.execPath,
      [yarn, 'backstage-cli', 'package', 'start', ...configArgs],
      {
        cwd: join(REPO_ROOT, 'packages/app'),
        env: { NODE_ENV: 'development', BROWSER: 'none' },
      },
    );
    services.push(app);

    await waitFor(
      'the sandbox API',
      async () => (await fetch(`${sandboxUrl}/healthz`)).ok,
      120_000,
      sandbox,
    );
    await waitFor(
      'the backend to watch the sandbox',
      () => backend.output.includes('Watching cluster sandbox'),
      240_000,
      backend,
    );
    await waitFor(
      'the app dev server',
      async () =>
        (await fetch(appUrl)).ok && /compiled successfully/i.test(app.output),
      240_000,
      app,
    );

    return {
      appUrl,
      backendUrl,
      sandboxUrl,
      sandboxToken: SANDBOX_TOKEN,
      async injectBadDeploy() {
        const inject = new Service(
          'inject',
          process.execPath,
          [
            yarn,
            'sandbox',
            'inject',
            '--server',
            sandboxUrl,
            '--token',
            SANDBOX_TOKEN,
            fault,
          ],
          { cwd: REPO_ROOT },
        );
        await waitFor('the scenario injection', () => inject.exited, 120_000);
        if (inject.child.exitCode !== 0) {
          throw new Error(`Injecting the bad deploy failed:\n${inject.tail()}`);
        }
      },
      async guestToken() {
        const response = await fetch(`${backendUrl}/api/auth/guest/refresh`, {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        });
        const body = await response.json();
        return body.backstageIdentity.token as string;
      },
      logs: () =>
        services.map(s => `----- ${s.name}\n${s.tail(60)}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
