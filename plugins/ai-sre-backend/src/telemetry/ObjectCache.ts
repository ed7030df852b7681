import type { ObjectRef } from '@internal/plugin-ai-sre-common';
import type { K8sObject, WatchedKind } from '@internal/plugin-ai-sre-node';
import { refOf } from './detectors/util';

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function involvedKey(
  kind: string,
  namespace: string | undefined,
  name: string,
) {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** Change to the cache, as reported to listeners. */
export interface CacheChange {
  type: 'added' | 'updated' | 'deleted';
  kind: string;
  object: K8sObject;
  previous?: K8sObject;
}

/**
 * The trimmed objects of one cluster, indexed for detectors: by kind and
 * name, by uid, children by owner uid, and events by involved object.
 */
export class ObjectCache {
  private readonly byKind = new Map<string, Map<string, K8sObject>>();
  private readonly byUid = new Map<string, K8sObject>();
  private readonly childrenByOwner = new Map<string, Set<string>>();
  private readonly eventsByInvolved = new Map<string, Set<string>>();

  private bucket(kind: string): Map<string, K8sObject> {
    let bucket = this.byKind.get(kind);
    if (!bucket) {
      bucket = new Map();
      this.byKind.set(kind, bucket);
    }
    return bucket;
  }

  size(kind?: string): number {
    if (kind) return this.byKind.get(kind)?.size ?? 0;
    let total = 0;
    for (const bucket of this.byKind.values()) total += bucket.size;
    return total;
  }

  get(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): K8sObject | undefined {
    return this.byKind.get(kind)?.get(keyOf(namespace, name));
  }

  getByUid(uid: string): K8sObject | undefined {
    return this.byUid.get(uid);
  }

  list(kind: string, namespace?: string): K8sObject[] {
    const bucket = this.byKind.get(kind);
    if (!bucket) return [];
    const all = [...bucket.values()];
    return namespace === undefined
      ? all
      : all.filter(object => object.metadata?.namespace === namespace);
  }

  /** Stores an object; returns the previous version. */
  set(kind: string, object: K8sObject): K8sObject | undefined {
    const meta = object.metadata ?? {};
    const key = keyOf(meta.namespace, meta.name ?? '');
    const bucket = this.bucket(kind);
    const previous = bucket.get(key);
    if (previous) this.unindex(kind, previous);
    bucket.set(key, object);
    this.index(kind, object);
    return previous;
  }

  delete(kind: string, object: K8sObject): K8sObject | undefined {
    const meta = object.metadata ?? {};
    const key = keyOf(meta.namespace, meta.name ?? '');
    const bucket = this.byKind.get(kind);
    const previous = bucket?.get(key);
    if (previous) {
      bucket!.delete(key);
      this.unindex(kind, previous);
    }
    return previous;
  }

  /** Replaces every object of a kind (a relist); returns the differences. */
  replace(kind: string, objects: K8sObject[]): CacheChange[] {
    const changes: CacheChange[] = [];
    const seen = new Set<string>();
    for (const object of objects) {
      const meta = object.metadata ?? {};
      seen.add(keyOf(meta.namespace, meta.name ?? ''));
      const previous = this.set(kind, object);
      if (!previous) {
        changes.push({ type: 'added', kind, object });
      } else if (previous.metadata?.resourceVersion !== meta.resourceVersion) {
        changes.push({ type: 'updated', kind, object, previous });
      }
    }
    for (const [key, object] of [...(this.byKind.get(kind) ?? new Map())]) {
      if (!seen.has(key)) {
        this.delete(kind, object);
        changes.push({ type: 'deleted', kind, object });
      }
    }
    return changes;
  }

  private index(kind: string, object: K8sObject): void {
    const meta = object.metadata ?? {};
    if (meta.uid) this.byUid.set(meta.uid, object);
    for (const owner of meta.ownerReferences ?? []) {
      if (!owner.uid || !meta.uid) continue;
      let children = this.childrenByOwner.get(owner.uid);
      if (!children)
        this.childrenByOwner.set(owner.uid, (children = new Set()));
      children.add(meta.uid);
    }
    if (kind === 'Event') {
      const involved = (object as any).involvedObject;
      if (involved?.kind && involved?.name) {
        const key = involvedKey(
          involved.kind,
          involved.namespace,
          involved.name,
        );
        let events = this.eventsByInvolved.get(key);
        if (!events) this.eventsByInvolved.set(key, (events = new Set()));
        events.add(keyOf(meta.namespace, meta.name ?? ''));
      }
    }
  }

  private unindex(kind: string, object: K8sObject): void {
    const meta = object.metadata ?? {};
    if (meta.uid && this.byUid.get(meta.uid) === object)
      this.byUid.delete(meta.uid);
    for (const owner of meta.ownerReferences ?? []) {
      if (owner.uid && meta.uid)
        this.childrenByOwner.get(owner.uid)?.delete(meta.uid);
    }
    if (kind === 'Event') {
      const involved = (object as any).involvedObject;
      if (involved?.kind && involved?.name) {
        const key = involvedKey(
          involved.kind,
          involved.namespace,
          involved.name,
        );
        const events = this.eventsByInvolved.get(key);
        events?.delete(keyOf(meta.namespace, meta.name ?? ''));
        if (events?.size === 0) this.eventsByInvolved.delete(key);
      }
    }
  }

  /** Events about an object, oldest first by their last time. */
  eventsFor(object: K8sObject): K8sObject[] {
    const meta = object.metadata ?? {};
    const keys = this.eventsByInvolved.get(
      involvedKey(object.kind ?? '', meta.namespace, meta.name ?? ''),
    );
    if (!keys) return [];
    const bucket = this.byKind.get('Event');
    const events: K8sObject[] = [];
    for (const key of keys) {
      const event = bucket?.get(key);
      if (!event) continue;
      const uid = (event as any).involvedObject?.uid;
      // An event about an earlier object of the same name is not this one's.
      if (uid && meta.uid && uid !== meta.uid) continue;
      events.push(event);
    }
    return events.sort((a, b) =>
      String((a as any).lastTimestamp ?? '').localeCompare(
        String((b as any).lastTimestamp ?? ''),
      ),
    );
  }

  /** The object an event is about, if cached. */
  involvedObject(
    event: K8sObject,
  ): { kind: string; object?: K8sObject } | undefined {
    const involved = (event as any).involvedObject;
    if (!involved?.kind) return undefined;
    return {
      kind: involved.kind,
      object: this.get(involved.kind, involved.namespace, involved.name),
    };
  }

  /** The controller chain above an object (ReplicaSet, then Deployment). */
  ownerChain(object: K8sObject): ObjectRef[] {
    const chain: ObjectRef[] = [];
    let current: K8sObject | undefined = object;
    for (let depth = 0; current && depth < 5; depth++) {
      const owner: any =
        current.metadata?.ownerReferences?.find(o => o.controller) ??
        current.metadata?.ownerReferences?.[0];
      if (!owner) break;
      const parent: K8sObject | undefined =
        (owner.uid && this.byUid.get(owner.uid)) ||
        this.get(owner.kind, current.metadata?.namespace, owner.name);
      chain.push(
        parent
          ? refOf(parent)
          : {
              kind: owner.kind,
              namespace: current.metadata?.namespace,
              name: owner.name,
              ...(owner.uid ? { uid: owner.uid } : {}),
            },
      );
      current = parent;
    }
    return chain;
  }

  /** Every object below an owner (its ReplicaSets, their Pods). */
  descendants(uid: string, kind?: WatchedKind): K8sObject[] {
    const out: K8sObject[] = [];
    const queue = [uid];
    const seen = new Set<string>();
    while (queue.length) {
      const next = queue.shift()!;
      for (const child of this.childrenByOwner.get(next) ?? []) {
        if (seen.has(child)) continue;
        seen.add(child);
        const object = this.byUid.get(child);
        if (!object) continue;
        if (!kind || object.kind === kind) out.push(object);
        queue.push(child);
      }
    }
    return out;
  }

  podsOf(workload: ObjectRef): K8sObject[] {
    const object = workload.uid
      ? this.byUid.get(workload.uid)
      : this.get(workload.kind, workload.namespace, workload.name);
    const uid = object?.metadata?.uid;
    if (!uid) return [];
    if (object?.kind === 'Pod') return [object];
    return this.descendants(uid, 'Pod');
  }
}
