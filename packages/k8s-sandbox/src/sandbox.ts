/**
 * `startSandbox`: a simulated cluster behind the Kubernetes REST API on a
 * local port, for the demo, tests, benchmarks and the evaluation.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiServer, createApiServer } from './api/server';
import { buildKubeconfig } from './api/kubeconfig';
import { VirtualClock } from './clock';
import {
  loadScenarioFile,
  parseScenario,
  preloadManifestValidators,
  Scenario,
  ScenarioError,
} from './scenario';
import { SimulatedCluster } from './sim/SimulatedCluster';

export interface StartSandboxOptions {
  /** A loaded scenario or the path of a scenario file; default: empty cluster. */
  scenario?: Scenario | string;
  /**
   * Simulated seconds per wall second: 1 runs at wall speed (the demo).
   * Omit to step the clock yourself through `clock` (tests, evaluation).
   */
  speed?: number;
  /** Port to listen on; default a free port. */
  port?: number;
  host?: string;
  /** Enforce RBAC for service-account tokens (the admin token bypasses it). */
  rbac?: boolean;
  /** The admin bearer token; default a random one. */
  adminToken?: string;
  /** Serve HTTPS on the same port too (kubectl needs it for tokens). */
  tls?: boolean;
  /**
   * Epoch ms at which the virtual clock starts; default the scenario epoch
   * (2025-03-04T00:00:00Z). A real Prometheus scraping the sandbox at wall
   * speed needs `Date.now()`: it refuses samples from the past.
   */
  startTime?: number;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, for @kubernetes/client-node, curl, Prometheus. */
  url: string;
  /** `https://127.0.0.1:PORT` (self-signed), for kubectl; when `tls` is on. */
  httpsUrl?: string;
  adminToken: string;
  /** Admin kubeconfig (YAML) for `url`. */
  kubeconfig: string;
  /** Admin kubeconfig (YAML) for `httpsUrl`, which kubectl accepts as is. */
  kubectlKubeconfig?: string;
  clock: VirtualClock;
  cluster: SimulatedCluster;
  server: ApiServer;
  /** Simulated ms since the scenario start. */
  elapsed(): number;
  /** Steps the virtual clock (only without `speed`). */
  advance(ms: number): Promise<void>;
  stop(): Promise<void>;
}

const EMPTY_SCENARIO = 'version: 1\nid: empty\ntitle: An empty cluster\n';

/** Reads a request body up to `limit` bytes. */
async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new Error(`request body larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startSandbox(
  options: StartSandboxOptions = {},
): Promise<Sandbox> {
  await preloadManifestValidators();
  let scenario: Scenario;
  if (typeof options.scenario === 'string') {
    scenario = loadScenarioFile(options.scenario);
  } else {
    scenario = options.scenario ?? parseScenario(EMPTY_SCENARIO, 'empty.yaml');
  }
  const clock = new VirtualClock(
    options.startTime !== undefined ? { start: options.startTime } : {},
  );
  const cluster = new SimulatedCluster({ scenario, clock });
  await cluster.start();

  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  const server = createApiServer({
    store: cluster.store,
    clock,
    rbac: options.rbac ?? false,
    adminToken,
    logs: cluster.nodeAgents.logs,
    metrics: cluster.nodeAgents.metricsApi,
    exposition: () => cluster.nodeAgents.exposition(),
    tls: options.tls === false ? false : undefined,
    sandboxHandler: async (req, res, path) => {
      if (req.method === 'POST' && path === '/sandbox/v1/inject') {
        const text = await readBody(req);
        try {
          const injected = parseScenario(text, 'request body');
          const steps = cluster.inject(injected);
          sendJson(res, 202, { injected: injected.id, steps });
        } catch (error) {
          if (error instanceof ScenarioError) {
            sendJson(res, 400, { error: error.message });
            return;
          }
          throw error;
        }
        return;
      }
      if (req.method === 'GET' && path === '/sandbox/v1/clock') {
        sendJson(res, 200, {
          now: new Date(clock.now()).toISOString(),
          elapsedMs: cluster.elapsed(),
        });
        return;
      }
      sendJson(res, 404, { error: `no sandbox route ${req.method} ${path}` });
    },
  });
  const listening = await server.listen(options.port ?? 0, options.host);
  const stopRunning =
    options.speed !== undefined ? clock.runAtSpeed(options.speed) : undefined;

  return {
    url: listening.url,
    httpsUrl: listening.httpsUrl,
    adminToken,
    kubeconfig: buildKubeconfig({ url: listening.url, token: adminToken }),
    kubectlKubeconfig: listening.httpsUrl
      ? buildKubeconfig({ url: listening.httpsUrl, token: adminToken })
      : undefined,
    clock,
    cluster,
    server,
    elapsed: () => cluster.elapsed(),
    async advance(ms: number) {
      if (stopRunning) {
        throw new Error('The sandbox clock runs by itself (speed was set)');
      }
      await clock.advanceBy(ms);
    },
    async stop() {
      stopRunning?.();
      cluster.stop();
      await server.close();
    },
  };
}
