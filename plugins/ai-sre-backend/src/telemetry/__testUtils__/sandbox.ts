import { KubeConfig } from '@kubernetes/client-node';
import {
  loadScenarioFile,
  Sandbox,
  Scenario,
  startSandbox,
  VirtualClock,
} from '@internal/k8s-sandbox';
import type { Change, Signal } from '@internal/plugin-ai-sre-common';
import { ClusterMonitor } from '../ClusterMonitor';
import { builtInDetectors } from '../detectors';
import { KubeClient } from '../kube/KubeClient';
import { ScrapeMetricSource } from '../metrics/ScrapeMetricSource';
import type { SignalEvent } from '../SignalTracker';
import type { AiSreClock } from '@internal/plugin-ai-sre-node';
import path from 'node:path';

export const EXAMPLES = path.resolve(
  __dirname,
  '../../../../../packages/k8s-sandbox/scenarios/examples',
);

/** The sandbox's virtual clock as the plugin's clock. */
export function clockOf(clock: VirtualClock): AiSreClock {
  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      const handle = clock.setTimeout(fn, ms);
      return { cancel: () => clock.clear(handle) };
    },
  };
}

export function kubeConfigOf(sandbox: Sandbox): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sandbox.kubeconfig);
  return kubeConfig;
}

export async function startExample(name: string): Promise<Sandbox> {
  return startSandbox({
    scenario: loadScenarioFile(path.join(EXAMPLES, `${name}.yaml`)),
    tls: false,
  });
}

/** Waits (wall time) until `counter` stops moving for `quietMs`. */
export async function quiesce(
  counter: () => number,
  quietMs = 30,
): Promise<void> {
  let last = counter();
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, quietMs));
    const now = counter();
    if (now === last) return;
    last = now;
  }
}

export interface MonitoredRun {
  sandbox: Sandbox;
  monitor: ClusterMonitor;
  events: SignalEvent[];
  changes: Change[];
  /** Signals opened during the run. */
  opened: Signal[];
}

/**
 * Runs a scenario under the real telemetry pipeline (ClusterMonitor with
 * every built-in detector and metrics scraped from the sandbox) on the
 * sandbox's virtual clock, 5 s at a time, waiting for telemetry to catch up
 * after each step. `inspect` runs before everything stops; its result is
 * returned with the run.
 */
export async function runMonitored<T = undefined>(
  scenario: Scenario | string,
  seconds: number,
  options: {
    /** Called after each 5 s step, e.g. to drop watches. */
    afterStep?: (sandbox: Sandbox, t: number) => void;
    inspect?: (run: MonitoredRun) => T;
  } = {},
): Promise<MonitoredRun & { inspected: T }> {
  const sandbox =
    typeof scenario === 'string'
      ? await startExample(scenario)
      : await startSandbox({ scenario, tls: false });
  const events: SignalEvent[] = [];
  const changes: Change[] = [];
  const clock = clockOf(sandbox.clock);
  const metrics = new ScrapeMetricSource({
    clock,
    fetchText: async () => (await fetch(`${sandbox.url}/metrics`)).text(),
  });
  const monitor = new ClusterMonitor({
    metrics,
    cluster: 'sandbox',
    client: new KubeClient(kubeConfigOf(sandbox)),
    clock,
    detectors: builtInDetectors,
    settings: detector => ({ ...detector.defaults }),
    emit: event => events.push(event),
    emitChange: change => changes.push(change),
    logger: { info() {}, warn() {}, error() {} },
  });
  monitor.start();
  metrics.start();
  const received = () =>
    monitor.health().informers.reduce((sum, i) => sum + i.events + i.lists, 0) +
    metrics.scrapes;
  try {
    await quiesce(received);
    for (let t = 0; t < seconds; t += 5) {
      await sandbox.advance(5000);
      options.afterStep?.(sandbox, t + 5);
      await quiesce(received, 15);
    }
    const run: MonitoredRun = {
      sandbox,
      monitor,
      events,
      changes,
      opened: events.filter(e => e.type === 'opened').map(e => e.signal),
    };
    return { ...run, inspected: options.inspect?.(run) as T };
  } finally {
    monitor.stop();
    metrics.stop();
    await sandbox.stop();
  }
}
