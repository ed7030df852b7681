import { randomBytes } from 'node:crypto';
import {
  buildKubeconfig,
  createApiServer,
  preloadManifestValidators,
  Scenario,
  SimulatedCluster,
  VirtualClock,
} from '@internal/k8s-sandbox';

export interface WallClockSandbox {
  url: string;
  /** `127.0.0.1:PORT`, a Prometheus scrape target. */
  hostPort: string;
  kubeconfig: string;
  clock: VirtualClock;
  cluster: SimulatedCluster;
  stop(): Promise<void>;
}

/**
 * Prometheus' text format wants integer millisecond timestamps; a virtual
 * clock driven from wall time stands at fractional milliseconds.
 */
export function integerTimestamps(text: string): string {
  return text.replace(
    /^([^#\n][^\n]*[ \t])(-?\d+)\.\d+$/gm,
    (_line, head: string, ms: string) => `${head}${ms}`,
  );
}

/**
 * A sandbox whose virtual clock starts at the current wall time and runs at
 * wall speed, so that the samples of its `/metrics` carry honest timestamps
 * a real Prometheus accepts. (`startSandbox({ speed: 1 })` starts its clock
 * at the scenario epoch, 2025-03-04, which Prometheus rejects as too old.)
 */
export async function startWallClockSandbox(
  scenario: Scenario,
): Promise<WallClockSandbox> {
  await preloadManifestValidators();
  const clock = new VirtualClock({ start: Date.now() });
  const cluster = new SimulatedCluster({ scenario, clock });
  await cluster.start();
  const adminToken = randomBytes(24).toString('hex');
  const server = createApiServer({
    store: cluster.store,
    clock,
    adminToken,
    logs: cluster.nodeAgents.logs,
    metrics: cluster.nodeAgents.metricsApi,
    exposition: () => integerTimestamps(cluster.nodeAgents.exposition()),
    tls: false,
  });
  const { url } = await server.listen(0, '127.0.0.1');
  const stopRunning = clock.runAtSpeed(1);
  return {
    url,
    hostPort: new URL(url).host,
    kubeconfig: buildKubeconfig({ url, token: adminToken }),
    clock,
    cluster,
    async stop() {
      stopRunning();
      cluster.stop();
      await server.close();
    },
  };
}
