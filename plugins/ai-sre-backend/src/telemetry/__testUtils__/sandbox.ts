import { KubeConfig } from '@kubernetes/client-node';
import {
  loadScenarioFile,
  Sandbox,
  startSandbox,
  VirtualClock,
} from '@internal/k8s-sandbox';
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
