/**
 * The effective behaviour of a container: its image's keys (with `image`
 * steps), overlaid by the active `rules`, then the `onFailure` entries of
 * the dependencies that are down (SCENARIOS.md, "Effective behaviour").
 */
import type { ObjectStore } from '../../api/store';
import {
  BehaviourOverlay,
  ImageBehaviour,
  ImageRule,
  resolveBehaviour,
  ResolvedBehaviour,
} from '../../scenario';
import type { KubeletHost } from './host';

export interface EffectiveInput {
  base: ImageBehaviour | undefined;
  /** The container's resolved environment. */
  env: Record<string, string>;
  namespace: string;
  /** `Kind/ns/name` of the pod's workload. */
  workload: string;
}

export interface Effective {
  behaviour: ResolvedBehaviour;
  /** `ns/name` of the Services the container depends on. */
  services: string[];
  /** Whether a rule looks at Secrets or ConfigMaps. */
  watchesConfig: boolean;
}

function ruleHolds(
  rule: ImageRule,
  input: EffectiveInput,
  store: ObjectStore,
): boolean {
  const cond = rule.if;
  switch (cond.kind) {
    case 'envMissing':
      return !(cond.name in input.env);
    case 'envEquals':
      return Object.entries(cond.values).every(
        ([name, value]) => input.env[name] === String(value),
      );
    case 'secretMissing':
      return !store.tryGet('secrets', input.namespace, cond.name);
    case 'configMapMissing':
      return !store.tryGet('configmaps', input.namespace, cond.name);
    default:
      return false;
  }
}

export function effectiveBehaviour(
  host: KubeletHost,
  input: EffectiveInput,
): Effective {
  const base = input.base;
  const overlays: BehaviourOverlay[] = [];
  let watchesConfig = false;
  for (const rule of base?.rules ?? []) {
    if (
      rule.if.kind === 'secretMissing' ||
      rule.if.kind === 'configMapMissing'
    ) {
      watchesConfig = true;
    }
    if (ruleHolds(rule, input, host.ctx.store)) {
      overlays.push(rule.then);
    }
  }
  const services: string[] = [];
  for (const dep of base?.dependsOn ?? []) {
    const target = dep.target;
    let down = host.isBlocked(input.workload, target.ref);
    if (target.kind === 'Service') {
      services.push(`${target.namespace}/${target.name}`);
      down = down || host.serviceDown(target.namespace, target.name);
    }
    if (down) {
      overlays.push(dep.onFailure);
    }
  }
  return {
    behaviour: resolveBehaviour(base, overlays),
    services,
    watchesConfig,
  };
}
