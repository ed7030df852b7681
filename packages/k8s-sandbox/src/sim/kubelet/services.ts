/**
 * Whether a `Service/ns/name` dependency is down: the Service is absent, or
 * none of the pods it selects is Ready and serves its targetPort. Computed
 * from the store directly (not from Endpoints) and cached per namespace
 * until pods or services there change.
 */
import type { ObjectStore } from '../../api/store';
import type { ContainerRuntime } from './container';
import type { Obj } from './format';
import type { PodRuntime } from './pod';
import { appListens } from './probes';

function isReady(pod: Obj): boolean {
  if (pod.metadata?.deletionTimestamp) {
    return false;
  }
  return (pod.status?.conditions ?? []).some(
    (c: Obj) => c.type === 'Ready' && c.status === 'True',
  );
}

function selects(selector: Record<string, string>, pod: Obj): boolean {
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function containerServes(c: ContainerRuntime, target: unknown): boolean {
  if (typeof target === 'string' && !/^\d+$/.test(target)) {
    const port = (c.spec.ports ?? []).find((p: Obj) => p.name === target);
    return (
      !!port && appListens(c.spec, c.behaviour, Number(port.containerPort))
    );
  }
  return appListens(c.spec, c.behaviour, Number(target));
}

function serves(pod: PodRuntime, ports: Obj[]): boolean {
  if (ports.length === 0) {
    return true;
  }
  return ports.some(port => {
    const target = port.targetPort ?? port.port;
    return pod.containers.some(c => containerServes(c, target));
  });
}

export function computeServiceDown(
  store: ObjectStore,
  namespace: string,
  name: string,
  pods: Iterable<PodRuntime>,
): boolean {
  const svc = store.tryGet('services', namespace, name) as Obj | undefined;
  if (!svc) {
    return true;
  }
  const selector: Record<string, string> | undefined = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) {
    const endpoints = store.tryGet('endpoints', namespace, name) as
      | Obj
      | undefined;
    return !(endpoints?.subsets ?? []).some(
      (s: Obj) => (s.addresses ?? []).length > 0,
    );
  }
  const ports: Obj[] = svc.spec?.ports ?? [];
  for (const pod of pods) {
    if (selects(selector, pod.obj) && isReady(pod.obj) && serves(pod, ports)) {
      return false;
    }
  }
  return true;
}

/** Cached Service states, invalidated per namespace. */
export class ServiceHealth {
  private readonly cache = new Map<string, boolean>();

  constructor(
    private readonly store: ObjectStore,
    private readonly podsIn: (namespace: string) => Iterable<PodRuntime>,
  ) {}

  isDown(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    let down = this.cache.get(key);
    if (down === undefined) {
      down = computeServiceDown(
        this.store,
        namespace,
        name,
        this.podsIn(namespace),
      );
      this.cache.set(key, down);
    }
    return down;
  }

  /**
   * Recomputes the cached services of `namespace` and returns the keys
   * (`ns/name`) whose state changed.
   */
  refresh(namespace: string): string[] {
    const changed: string[] = [];
    for (const [key, before] of [...this.cache]) {
      const slash = key.indexOf('/');
      if (key.slice(0, slash) !== namespace) {
        continue;
      }
      this.cache.delete(key);
      if (this.isDown(namespace, key.slice(slash + 1)) !== before) {
        changed.push(key);
      }
    }
    return changed;
  }
}
