import { Scenario, startSandbox, VirtualClock } from '@internal/k8s-sandbox';
import type { SimulatedCluster } from '@internal/k8s-sandbox';

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
 * A sandbox whose virtual clock starts at the current wall time and runs at
 * wall speed, so that the samples of its `/metrics` carry honest timestamps
 * a real Prometheus accepts (it refuses samples from 2025-03-04, the
 * default scenario epoch).
 */
export async function startWallClockSandbox(
  scenario: Scenario,
): Promise<WallClockSandbox> {
  const sandbox = await startSandbox({
    scenario,
    speed: 1,
    startTime: Date.now(),
    tls: false,
  });
  return {
    url: sandbox.url,
    hostPort: new URL(sandbox.url).host,
    kubeconfig: sandbox.kubeconfig,
    clock: sandbox.clock,
    cluster: sandbox.cluster,
    stop: () => sandbox.stop(),
  };
}
