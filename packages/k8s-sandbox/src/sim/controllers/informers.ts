/**
 * In-memory caches of store objects kept up to date by watches, with the
 * indexes the controllers need (pods by node, owner and namespace), so that
 * no loop scans every pod on every event.
 */
import type { ObjectStore } from '../../api/store';
import type { KubeObject } from '../../api/types';
import { keyOf } from './util';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type ChangeHandler = (
  type: ChangeType,
  obj: KubeObject,
  old: KubeObject | undefined,
) => void;

/** A cache of one resource, keyed `namespace/name`. */
export class Informer {
  readonly items = new Map<string, KubeObject>();
  private readonly byNs = new Map<string, Set<string>>();
  private readonly handlers: ChangeHandler[] = [];
  private readonly indexes: Array<Index> = [];
  private readonly stopWatch: () => void;

  constructor(store: ObjectStore, resource: string) {
    this.stopWatch = store.watch(resource, {}, e => {
      if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') {
        this.apply(e.type, e.object);
      }
    });
  }

  onChange(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  addIndex(index: Index): void {
    this.indexes.push(index);
    for (const [key, obj] of this.items) index.add(key, obj);
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): KubeObject[] {
    if (namespace === undefined) return [...this.items.values()];
    const keys = this.byNs.get(namespace);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const key of keys) out.push(this.items.get(key)!);
    return out;
  }

  stop(): void {
    this.stopWatch();
  }

  private apply(type: ChangeType, obj: KubeObject): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    const ns = obj.metadata?.namespace ?? '';
    for (const index of this.indexes) if (old) index.remove(key, old);
    if (type === 'DELETED') {
      this.items.delete(key);
      this.byNs.get(ns)?.delete(key);
    } else {
      this.items.set(key, obj);
      let set = this.byNs.get(ns);
      if (!set) this.byNs.set(ns, (set = new Set()));
      set.add(key);
      for (const index of this.indexes) index.add(key, obj);
    }
    for (const handler of this.handlers) handler(type, obj, old);
  }
}

/** A secondary index: object keys by a derived value (node, owner uid…). */
export class Index {
  private readonly map = new Map<string, Set<string>>();

  constructor(private readonly valuesOf: (obj: KubeObject) => string[]) {}

  add(key: string, obj: KubeObject): void {
    for (const v of this.valuesOf(obj)) {
      let set = this.map.get(v);
      if (!set) this.map.set(v, (set = new Set()));
      set.add(key);
    }
  }

  remove(key: string, obj: KubeObject): void {
    for (const v of this.valuesOf(obj)) {
      const set = this.map.get(v);
      set?.delete(key);
      if (set && set.size === 0) this.map.delete(v);
    }
  }

  keys(value: string): Iterable<string> {
    return this.map.get(value) ?? [];
  }
}

/** The pod cache with its indexes, plus creation order for the scheduler. */
export class PodInformer extends Informer {
  private readonly byNode = new Index(p => {
    const node = (p as any).spec?.nodeName;
    return node ? [node] : [];
  });
  private readonly byOwner = new Index(p =>
    (p.metadata?.ownerReferences ?? []).map(o => o.uid),
  );
  private readonly order = new Map<string, number>();
  private sequence = 0;

  constructor(store: ObjectStore) {
    super(store, 'pods');
    this.addIndex(this.byNode);
    this.addIndex(this.byOwner);
    this.onChange((type, obj) => {
      const key = keyOf(obj);
      if (type === 'DELETED') this.order.delete(key);
      else if (!this.order.has(key)) this.order.set(key, this.sequence++);
    });
    for (const key of this.items.keys()) this.order.set(key, this.sequence++);
  }

  onNode(node: string): KubeObject[] {
    return this.resolve(this.byNode.keys(node));
  }

  ownedBy(uid: string): KubeObject[] {
    return this.resolve(this.byOwner.keys(uid));
  }

  /** Creation order (as seen by the cache). */
  orderOf(key: string): number {
    return this.order.get(key) ?? Number.MAX_SAFE_INTEGER;
  }

  private resolve(keys: Iterable<string>): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }
}

/** Every cache the control plane shares. */
export interface Informers {
  pods: PodInformer;
  nodes: Informer;
  replicaSets: Informer;
  deployments: Informer;
  statefulSets: Informer;
  daemonSets: Informer;
  jobs: Informer;
  cronJobs: Informer;
  services: Informer;
  pvcs: Informer;
  hpas: Informer;
  pdbs: Informer;
  quotas: Informer;
  namespaces: Informer;
}

export function startInformers(store: ObjectStore): Informers {
  const make = (resource: string) => new Informer(store, resource);
  return {
    pods: new PodInformer(store),
    nodes: make('nodes'),
    replicaSets: make('apps/replicasets'),
    deployments: make('apps/deployments'),
    statefulSets: make('apps/statefulsets'),
    daemonSets: make('apps/daemonsets'),
    jobs: make('batch/jobs'),
    cronJobs: make('batch/cronjobs'),
    services: make('services'),
    pvcs: make('persistentvolumeclaims'),
    hpas: make('autoscaling/horizontalpodautoscalers'),
    pdbs: make('policy/poddisruptionbudgets'),
    quotas: make('resourcequotas'),
    namespaces: make('namespaces'),
  };
}

export function stopInformers(informers: Informers): void {
  for (const informer of Object.values(informers)) informer.stop();
}
