/**
 * The in-memory object store behind the sandbox API server, usable
 * in-process by controllers: one global resourceVersion, watch history with
 * 410 Expired, selectors, pagination, dry-run, finalizers, admission hooks,
 * validation and owner-reference garbage collection.
 */
import { toStorage } from './conversions';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  ErrorTarget,
  expired,
  invalid,
  notFound,
} from './errors';
import { applyPatchOfType, PatchType } from './patch';
import {
  apiVersionOf,
  ResourceRegistry,
  ResourceType,
  storageKey,
} from './resources';
import { isMatchAll, Matcher, selectorMatcher } from './selectors';
import {
  Clock,
  FieldIssue,
  KubeObject,
  ObjectMeta,
  UserInfo,
  WatchEvent,
} from './types';
import {
  deepClone,
  deepEqual,
  deepFreeze,
  defaultUid,
  isPlainObject,
  randomSuffix,
  rfc3339,
} from './util';

/** A resource: a storage key (`pods`, `apps/deployments`), kind, or type. */
export type ResourceRef = string | ResourceType;

export interface StoreOptions {
  clock: Clock;
  registry?: ResourceRegistry;
  /** Events kept for watch resumption; older versions get 410. Default 10000. */
  historyLimit?: number;
  /** Also drop history events older than this many (clock) ms. */
  historyWindowMs?: number;
  /** Generates `metadata.uid`; default random UUIDs. */
  uid?: () => string;
  /** Random source for `generateName` suffixes; default Math.random. */
  random?: () => number;
  /** Delete dependents by ownerReferences when an owner goes. Default true. */
  garbageCollection?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Namespace for namespaced objects that carry none; default `default`. */
  namespace?: string;
  user?: UserInfo;
  /** Write to a subresource: only `status` changes the stored object. */
  subresource?: 'status';
}

export interface PatchOptions extends WriteOptions {
  /** Create the object from the patch when missing (server-side apply). */
  createIfMissing?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  user?: UserInfo;
}

export interface DeleteResult {
  /** The object as deleted, or as marked for deletion. */
  object: KubeObject;
  /** False when only marked (finalizers or graceful deletion pending). */
  removed: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  namespace?: string;
  /**
   * Resume after this version. Absent or `'0'`: the current state arrives
   * first as ADDED events. Older than the history window: throws 410.
   */
  fromResourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type WatchListener = (event: WatchEvent) => void;

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: Operation;
  /** The storage type of the object. */
  resource: ResourceType;
  subresource?: string;
  namespace?: string;
  name: string;
  /** A mutable draft on CREATE/UPDATE; hooks may change it in place. */
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
  user?: UserInfo;
  store: ObjectStore;
}

/**
 * Mutates `req.object` (or returns a replacement) or rejects by throwing an
 * ApiError (e.g. `forbidden(...)`).
 */
export type AdmissionHook = (req: AdmissionRequest) => void | KubeObject;

export type Validator = (
  obj: KubeObject,
  ctx: { operation: Operation; resource: ResourceType; oldObject?: KubeObject },
) => FieldIssue[] | undefined | void;

/**
 * Decides whether deleting `obj` only marks it (deletionTimestamp set, the
 * object stays until deleted again or its finalizers go) instead of removing
 * it. Called only when the object has no finalizers.
 */
export type GracefulDeletion = (
  obj: KubeObject,
  resource: ResourceType,
  options: DeleteOptions,
) => boolean;

interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  storage: string;
  namespace: string;
  rv: number;
  time: number;
  object: KubeObject;
  old?: KubeObject;
}

interface Watcher {
  namespace?: string;
  matcher: Matcher;
  listener: WatchListener;
  /** Events up to this version were delivered by the initial replay. */
  after: number;
}

interface Bucket {
  type: ResourceType;
  byNs: Map<string, Map<string, KubeObject>>;
  size: number;
  sorted?: KubeObject[];
}

const SEP = '\u0000';

function metaOf(obj: KubeObject): ObjectMeta {
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  return obj.metadata!;
}

function rvOf(obj: KubeObject): number {
  return Number(obj.metadata?.resourceVersion ?? 0);
}

function ownerUids(obj: KubeObject | undefined): string[] {
  return (obj?.metadata?.ownerReferences ?? [])
    .map(r => r?.uid)
    .filter((u): u is string => typeof u === 'string');
}

function encodeContinue(rv: number, ns: string, name: string): string {
  return Buffer.from(JSON.stringify({ rv, ns, name })).toString('base64url');
}

function decodeContinue(token: string): {
  rv: number;
  ns: string;
  name: string;
} {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof v.rv === 'number' && typeof v.name === 'string') return v;
  } catch {
    // fall through
  }
  throw badRequest('invalid continue token');
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const an = a.metadata!.namespace ?? '';
  const bn = b.metadata!.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const a1 = a.metadata!.name!;
  const b1 = b.metadata!.name!;
  if (a1 === b1) return 0;
  return a1 < b1 ? -1 : 1;
}

/** Fields outside `metadata` and `status`: a change bumps `generation`. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (
      k === 'metadata' ||
      k === 'status' ||
      k === 'apiVersion' ||
      k === 'kind'
    ) {
      continue;
    }
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}

export class ObjectStore {
  readonly clock: Clock;
  readonly registry: ResourceRegistry;
  private readonly historyLimit: number;
  private readonly historyWindowMs?: number;
  private readonly newUid: () => string;
  private readonly random: () => number;
  private readonly gc: boolean;

  private rv = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly history: StoreEvent[] = [];
  private historyHead = 0;
  /** Watches may resume from any version >= this one. */
  private compactedRv = 0;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly queue: StoreEvent[] = [];
  private dispatching = false;
  private readonly dependents = new Map<string, Set<string>>();
  private readonly admission: AdmissionHook[] = [];
  private validator?: Validator;
  private graceful?: GracefulDeletion;

  constructor(options: StoreOptions) {
    this.clock = options.clock;
    this.registry = options.registry ?? new ResourceRegistry();
    this.historyLimit = options.historyLimit ?? 10000;
    this.historyWindowMs = options.historyWindowMs;
    this.newUid = options.uid ?? defaultUid;
    this.random = options.random ?? Math.random;
    this.gc = options.garbageCollection ?? true;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Oldest resourceVersion a watch can still resume from. */
  get oldestResourceVersion(): string {
    return String(this.compactedRv);
  }

  addAdmissionHook(hook: AdmissionHook): () => void {
    this.admission.push(hook);
    return () => {
      const i = this.admission.indexOf(hook);
      if (i >= 0) this.admission.splice(i, 1);
    };
  }

  setValidator(validator: Validator | undefined): void {
    this.validator = validator;
  }

  setGracefulDeletion(fn: GracefulDeletion | undefined): void {
    this.graceful = fn;
  }

  /** Resolves a ref to the storage type (`autoscaling/v1` HPA -> v2). */
  resolve(ref: ResourceRef): ResourceType {
    const t = typeof ref === 'string' ? this.registry.resolve(ref) : ref;
    if (!t) {
      throw new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'NotFound',
        message: `the server doesn't have a resource type "${String(ref)}"`,
        code: 404,
      });
    }
    return this.registry.storageType(t.storage) ?? t;
  }

  private bucket(type: ResourceType): Bucket {
    let b = this.buckets.get(type.storage);
    if (!b) {
      b = { type, byNs: new Map(), size: 0 };
      this.buckets.set(type.storage, b);
    }
    return b;
  }

  private target(type: ResourceType, name?: string): ErrorTarget {
    return { group: type.group, resource: type.plural, name };
  }

  private nsKey(type: ResourceType, namespace: string | undefined): string {
    return type.namespaced ? namespace ?? 'default' : '';
  }

  // ---------------------------------------------------------------- reads

  /** The stored (frozen) object, or undefined. */
  tryGet(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const type = this.resolve(ref);
    const b = this.buckets.get(type.storage);
    return b?.byNs.get(this.nsKey(type, namespace))?.get(name);
  }

  /** The stored (frozen) object; throws 404 NotFound. */
  get(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const obj = this.tryGet(ref, namespace, name);
    if (!obj) throw notFound(this.target(this.resolve(ref), name));
    return obj;
  }

  private sortedEntries(b: Bucket, namespace?: string): KubeObject[] {
    if (namespace !== undefined) {
      const m = b.byNs.get(namespace);
      if (!m) return [];
      return [...m.values()].sort(compareKeys);
    }
    if (!b.sorted) {
      const all: KubeObject[] = [];
      for (const m of b.byNs.values()) for (const o of m.values()) all.push(o);
      b.sorted = all.sort(compareKeys);
    }
    return b.sorted;
  }

  list(ref: ResourceRef, options: ListOptions = {}): ListResult {
    const type = this.resolve(ref);
    const matcher = selectorMatcher(
      options.labelSelector,
      options.fieldSelector,
    );
    const b = this.buckets.get(type.storage);
    const namespace =
      type.namespaced && options.namespace ? options.namespace : undefined;
    let rv = this.rv;
    let entries = b ? this.sortedEntries(b, namespace) : [];
    if (options.continue) {
      const token = decodeContinue(options.continue);
      if (token.rv < this.compactedRv) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      rv = token.rv;
      let lo = 0;
      let hi = entries.length;
      const probe = { metadata: { namespace: token.ns, name: token.name } };
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareKeys(entries[mid], probe) <= 0) lo = mid + 1;
        else hi = mid;
      }
      entries = entries.slice(lo);
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: KubeObject[] = [];
    let i = 0;
    for (; i < entries.length && items.length < limit; i++) {
      if (matcher(entries[i])) items.push(entries[i]);
    }
    const result: ListResult = { items, resourceVersion: String(rv) };
    if (items.length >= limit) {
      let more = false;
      for (let j = i; j < entries.length; j++) {
        if (matcher(entries[j])) {
          more = true;
          break;
        }
      }
      if (more) {
        const last = items[items.length - 1].metadata!;
        result.continue = encodeContinue(rv, last.namespace ?? '', last.name!);
        if (isMatchAll(matcher)) result.remainingItemCount = entries.length - i;
      }
    }
    return result;
  }

  /** Every storage key that currently holds objects. */
  storedResources(): ResourceType[] {
    return [...this.buckets.values()].filter(b => b.size > 0).map(b => b.type);
  }

  // --------------------------------------------------------------- writes

  private typeOfObject(obj: KubeObject): ResourceType {
    if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) {
      throw badRequest("Object 'apiVersion' is missing");
    }
    if (typeof obj.kind !== 'string' || !obj.kind) {
      throw badRequest("Object 'Kind' is missing");
    }
    return this.registry.forKind(
      obj.apiVersion,
      obj.kind,
      obj.metadata?.namespace !== undefined,
    );
  }

  /** Clones `obj` into its storage version with apiVersion/kind set. */
  private draft(
    obj: KubeObject,
    type?: ResourceType,
  ): {
    draft: KubeObject;
    type: ResourceType;
  } {
    if (!isPlainObject(obj)) throw badRequest('object must be a JSON object');
    const served = type ?? this.typeOfObject(obj);
    const storage = this.registry.storageType(served.storage) ?? served;
    const draft = deepClone(
      toStorage(
        { ...obj, apiVersion: apiVersionOf(served), kind: served.kind },
        served,
        storage,
      ),
    );
    draft.apiVersion = apiVersionOf(storage);
    draft.kind = storage.kind;
    metaOf(draft);
    return { draft, type: storage };
  }

  private admit(req: Omit<AdmissionRequest, 'store'>): KubeObject | undefined {
    let object = req.object;
    for (const hook of this.admission) {
      const full: AdmissionRequest = { ...req, object, store: this };
      const replaced = hook(full);
      object = replaced ?? full.object;
    }
    return object;
  }

  private validate(
    obj: KubeObject,
    type: ResourceType,
    operation: Operation,
    oldObject?: KubeObject,
  ): void {
    const issues: FieldIssue[] = [];
    const meta = obj.metadata!;
    if (!meta.name) {
      issues.push({
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        reason: 'FieldValueRequired',
      });
    } else if (type.namespaced && !meta.namespace) {
      issues.push({
        field: 'metadata.namespace',
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
    }
    if (issues.length === 0 && this.validator) {
      issues.push(
        ...(this.validator(obj, { operation, resource: type, oldObject }) ??
          []),
      );
    }
    if (issues.length > 0) {
      throw invalid(
        type.kind,
        type.group,
        meta.name ?? '',
        issues.map(i => ({
          reason: i.reason ?? 'FieldValueInvalid',
          message: i.message,
          field: i.field,
        })),
      );
    }
  }

  private defaults(obj: KubeObject, type: ResourceType, now: number): void {
    if (type.storage === 'namespaces') {
      const status = isPlainObject(obj.status) ? obj.status : {};
      if (!status.phase) status.phase = 'Active';
      obj.status = status;
    } else if (type.storage === 'events') {
      const ts = rfc3339(now);
      if (!obj.eventTime && !obj.firstTimestamp) obj.firstTimestamp = ts;
      if (!obj.eventTime && !obj.lastTimestamp) {
        obj.lastTimestamp = obj.firstTimestamp;
      }
      if (obj.count === undefined && !obj.eventTime) obj.count = 1;
      if (!isPlainObject(obj.involvedObject)) obj.involvedObject = {};
      if (!obj.type) obj.type = 'Normal';
    }
  }

  /** Creates an object (its type comes from apiVersion/kind). */
  create(obj: KubeObject, options: WriteOptions = {}): KubeObject {
    return this.createAs(undefined, obj, options);
  }

  /** Creates an object as the given served type (used by the server). */
  createAs(
    served: ResourceType | undefined,
    obj: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const { draft, type } = this.draft(obj, served);
    const meta = draft.metadata!;
    const now = this.clock.now();
    if (type.namespaced) {
      meta.namespace = meta.namespace || options.namespace || 'default';
    } else {
      delete meta.namespace;
    }
    const b = this.bucket(type);
    const nsMap = b.byNs.get(meta.namespace ?? '');
    if (!meta.name && meta.generateName) {
      do {
        meta.name = `${meta.generateName}${randomSuffix(this.random)}`;
      } while (nsMap?.has(meta.name));
    }
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = this.newUid();
    meta.creationTimestamp = rfc3339(now);
    if ('spec' in draft || type.subresources.length > 0) meta.generation = 1;
    else delete meta.generation;
    this.defaults(draft, type, now);
    const admitted =
      this.admit({
        operation: 'CREATE',
        resource: type,
        namespace: meta.namespace,
        name: meta.name ?? '',
        object: draft,
        dryRun: !!options.dryRun,
        user: options.user,
      }) ?? draft;
    this.validate(admitted, type, 'CREATE');
    const name = admitted.metadata!.name!;
    if (b.byNs.get(admitted.metadata!.namespace ?? '')?.has(name)) {
      throw alreadyExists(this.target(type, name));
    }
    if (options.dryRun) return deepFreeze(admitted);
    admitted.metadata!.resourceVersion = String(++this.rv);
    return this.commit('ADDED', type, deepFreeze(admitted), undefined);
  }

  /** Replaces an object (or only its status with `subresource: 'status'`). */
  update(obj: KubeObject, options: WriteOptions = {}): KubeObject {
    return this.updateAs(undefined, obj, options);
  }

  /** Replaces only `.status` of the stored object. */
  updateStatus(obj: KubeObject, options: WriteOptions = {}): KubeObject {
    return this.updateAs(undefined, obj, { ...options, subresource: 'status' });
  }

  updateAs(
    served: ResourceType | undefined,
    obj: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const { draft, type } = this.draft(obj, served);
    const meta = draft.metadata!;
    const namespace = type.namespaced
      ? meta.namespace || options.namespace || 'default'
      : undefined;
    const name = meta.name;
    if (!name) {
      this.validate(draft, type, 'UPDATE');
    }
    const existing = this.tryGet(type, namespace, name!);
    if (!existing) throw notFound(this.target(type, name));
    return this.replace(type, existing, draft, options);
  }

  private replace(
    type: ResourceType,
    existing: KubeObject,
    draft: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const old = existing.metadata!;
    const meta = metaOf(draft);
    if (meta.resourceVersion && meta.resourceVersion !== old.resourceVersion) {
      throw conflict(this.target(type, old.name));
    }
    if (meta.uid && meta.uid !== old.uid) {
      throw conflict(
        this.target(type, old.name),
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.uid}`,
      );
    }
    let next: KubeObject;
    const hasStatus = type.subresources.some(s => s.name === 'status');
    if (options.subresource === 'status') {
      next = { ...deepClone(existing), status: draft.status };
      if (draft.status === undefined) delete next.status;
    } else {
      next = draft;
      if (hasStatus) {
        if (existing.status === undefined) delete next.status;
        else next.status = deepClone(existing.status);
      }
      next.metadata = {
        ...meta,
        name: old.name,
        namespace: old.namespace,
        uid: old.uid,
        creationTimestamp: old.creationTimestamp,
      };
      if (old.namespace === undefined) delete next.metadata.namespace;
      delete next.metadata.deletionTimestamp;
      delete next.metadata.deletionGracePeriodSeconds;
      if (old.deletionTimestamp) {
        next.metadata.deletionTimestamp = old.deletionTimestamp;
        if (old.deletionGracePeriodSeconds !== undefined) {
          next.metadata.deletionGracePeriodSeconds =
            old.deletionGracePeriodSeconds;
        }
      }
    }
    const nextMeta = next.metadata!;
    nextMeta.resourceVersion = old.resourceVersion;
    if (old.generation !== undefined) {
      nextMeta.generation = specChanged(existing, next)
        ? old.generation + 1
        : old.generation;
    } else {
      delete nextMeta.generation;
    }
    const admitted =
      this.admit({
        operation: 'UPDATE',
        resource: type,
        subresource: options.subresource,
        namespace: old.namespace,
        name: old.name!,
        object: next,
        oldObject: existing,
        dryRun: !!options.dryRun,
        user: options.user,
      }) ?? next;
    this.validate(admitted, type, 'UPDATE', existing);
    if (deepEqual(admitted, existing)) return existing;
    const finalizing =
      !!old.deletionTimestamp && !(admitted.metadata!.finalizers ?? []).length;
    if (options.dryRun) return deepFreeze(admitted);
    admitted.metadata!.resourceVersion = String(++this.rv);
    if (finalizing && !this.graceful?.(admitted, type, {})) {
      return this.remove(type, deepFreeze(admitted), false, {});
    }
    return this.commit('MODIFIED', type, deepFreeze(admitted), existing);
  }

  /**
   * Patches an object; `type` is `merge` (RFC 7386), `strategic`, `json`
   * (RFC 6902) or `apply` (merge with create-if-missing).
   */
  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
    options: PatchOptions = {},
  ): KubeObject {
    const rt = this.resolve(ref);
    const existing = this.tryGet(rt, namespace, name);
    if (!existing) {
      if (
        (type === 'apply' || options.createIfMissing) &&
        isPlainObject(patch)
      ) {
        const obj = deepClone(patch) as KubeObject;
        const meta = metaOf(obj);
        meta.name = meta.name ?? name;
        if (rt.namespaced) meta.namespace = meta.namespace ?? namespace;
        obj.apiVersion = obj.apiVersion ?? apiVersionOf(rt);
        obj.kind = obj.kind ?? rt.kind;
        return this.createAs(rt, obj, options);
      }
      throw notFound(this.target(rt, name));
    }
    const patched = applyPatchOfType(type, existing, patch) as KubeObject;
    if (!isPlainObject(patched))
      throw badRequest('patch produced a non-object');
    const meta = metaOf(patched);
    if (meta.name !== name || (rt.namespaced && meta.namespace !== namespace)) {
      throw badRequest(
        `the name of the object (${String(
          meta.name,
        )}) does not match the name on the URL (${name})`,
      );
    }
    const draft = deepClone(patched);
    draft.apiVersion = existing.apiVersion;
    draft.kind = existing.kind;
    return this.replace(rt, existing, draft, options);
  }

  /** Deletes (or marks for deletion) an object. */
  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult {
    const type = this.resolve(ref);
    const existing = this.tryGet(type, namespace, name);
    if (!existing) throw notFound(this.target(type, name));
    const meta = existing.metadata!;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(
        this.target(type, name),
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        this.target(type, name),
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    this.admit({
      operation: 'DELETE',
      resource: type,
      namespace: meta.namespace,
      name,
      oldObject: existing,
      dryRun: !!options.dryRun,
      user: options.user,
    });
    const mark =
      (meta.finalizers ?? []).length > 0 ||
      !!this.graceful?.(existing, type, options);
    if (mark) {
      if (meta.deletionTimestamp) return { object: existing, removed: false };
      const next = deepClone(existing);
      const m = next.metadata!;
      m.deletionTimestamp = rfc3339(this.clock.now());
      m.deletionGracePeriodSeconds = options.gracePeriodSeconds ?? 0;
      if (m.generation !== undefined) m.generation += 1;
      if (options.dryRun) return { object: deepFreeze(next), removed: false };
      m.resourceVersion = String(++this.rv);
      return {
        object: this.commit('MODIFIED', type, deepFreeze(next), existing),
        removed: false,
      };
    }
    if (options.dryRun) return { object: existing, removed: true };
    const gone = deepClone(existing);
    gone.metadata!.resourceVersion = String(++this.rv);
    const object = this.remove(
      type,
      deepFreeze(gone),
      options.propagationPolicy === 'Orphan',
      options,
    );
    return { object, removed: true };
  }

  private remove(
    type: ResourceType,
    gone: KubeObject,
    orphan: boolean,
    options: DeleteOptions,
  ): KubeObject {
    const meta = gone.metadata!;
    const b = this.bucket(type);
    const ns = meta.namespace ?? '';
    const m = b.byNs.get(ns);
    const prev = m?.get(meta.name!);
    if (!m || !prev) return gone;
    m.delete(meta.name!);
    if (m.size === 0) b.byNs.delete(ns);
    b.size--;
    b.sorted = undefined;
    this.indexOwners(type, prev, undefined);
    this.record('DELETED', type, gone, prev);
    if (type.storage === 'namespaces') this.deleteNamespaceContents(meta.name!);
    if (this.gc) this.collectDependents(meta.uid!, orphan, options);
    this.flush();
    return gone;
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const b of this.buckets.values()) {
      if (!b.type.namespaced) continue;
      const m = b.byNs.get(namespace);
      if (!m) continue;
      for (const name of [...m.keys()]) {
        this.forceRemove(b.type, namespace, name);
      }
    }
  }

  /** Removes an object regardless of finalizers (namespace teardown). */
  private forceRemove(
    type: ResourceType,
    namespace: string,
    name: string,
  ): void {
    const existing = this.tryGet(type, namespace, name);
    if (!existing) return;
    const gone = deepClone(existing);
    gone.metadata!.resourceVersion = String(++this.rv);
    this.remove(type, deepFreeze(gone), false, {});
  }

  private collectDependents(
    uid: string,
    orphan: boolean,
    options: DeleteOptions,
  ): void {
    const keys = this.dependents.get(uid);
    if (!keys) return;
    for (const key of [...keys]) {
      const [storage, ns, name] = key.split(SEP);
      const type = this.buckets.get(storage)?.type;
      const dep = type && this.tryGet(type, ns || undefined, name);
      if (!type || !dep) continue;
      const refs = dep.metadata!.ownerReferences ?? [];
      const rest = refs.filter(r => r.uid !== uid);
      if (orphan || rest.length > 0) {
        const next = deepClone(dep);
        next.metadata!.ownerReferences = rest;
        if (rest.length === 0) delete next.metadata!.ownerReferences;
        next.metadata!.resourceVersion = String(++this.rv);
        this.commit('MODIFIED', type, deepFreeze(next), dep);
      } else {
        try {
          this.delete(type, ns || undefined, name, {
            propagationPolicy: 'Background',
            user: options.user,
          });
        } catch {
          // a hook refused: the dependent stays, as with a real GC retrying
        }
      }
    }
  }

  private indexOwners(
    type: ResourceType,
    before: KubeObject | undefined,
    after: KubeObject | undefined,
  ): void {
    const a = ownerUids(before);
    const b = ownerUids(after);
    if (a.length === 0 && b.length === 0) return;
    const src = (after ?? before)!.metadata!;
    const key = [type.storage, src.namespace ?? '', src.name].join(SEP);
    for (const uid of a) {
      if (b.includes(uid)) continue;
      const set = this.dependents.get(uid);
      set?.delete(key);
      if (set && set.size === 0) this.dependents.delete(uid);
    }
    for (const uid of b) {
      let set = this.dependents.get(uid);
      if (!set) this.dependents.set(uid, (set = new Set()));
      set.add(key);
    }
  }

  private commit(
    kind: 'ADDED' | 'MODIFIED',
    type: ResourceType,
    obj: KubeObject,
    prev: KubeObject | undefined,
  ): KubeObject {
    const meta = obj.metadata!;
    const b = this.bucket(type);
    const ns = meta.namespace ?? '';
    let m = b.byNs.get(ns);
    if (!m) b.byNs.set(ns, (m = new Map()));
    if (!m.has(meta.name!)) {
      b.size++;
      b.sorted = undefined;
    } else if (b.sorted) {
      const i = this.indexInSorted(b.sorted, obj);
      if (i >= 0) b.sorted[i] = obj;
      else b.sorted = undefined;
    }
    m.set(meta.name!, obj);
    this.indexOwners(type, prev, obj);
    this.record(kind, type, obj, prev);
    this.flush();
    return obj;
  }

  private indexInSorted(sorted: KubeObject[], obj: KubeObject): number {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKeys(sorted[mid], obj);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  // ---------------------------------------------------------------- watch

  private record(
    type: StoreEvent['type'],
    rt: ResourceType,
    object: KubeObject,
    old: KubeObject | undefined,
  ): void {
    const now = this.clock.now();
    const event: StoreEvent = {
      type,
      storage: rt.storage,
      namespace: object.metadata!.namespace ?? '',
      rv: rvOf(object),
      time: now,
      object,
      old,
    };
    this.history.push(event);
    this.trimHistory(now);
    this.queue.push(event);
  }

  private trimHistory(now: number): void {
    const window = this.historyWindowMs;
    while (this.history.length - this.historyHead > 0) {
      const first = this.history[this.historyHead];
      const tooMany =
        this.history.length - this.historyHead > this.historyLimit;
      const tooOld = window !== undefined && first.time < now - window;
      if (!tooMany && !tooOld) break;
      this.compactedRv = first.rv;
      this.history[this.historyHead] = undefined as unknown as StoreEvent;
      this.historyHead++;
    }
    if (this.historyHead > 1024 && this.historyHead * 2 > this.history.length) {
      this.history.splice(0, this.historyHead);
      this.historyHead = 0;
    }
  }

  /**
   * Forgets the watch history up to `resourceVersion` (default: all), so
   * that watches from older versions get 410 Expired.
   */
  compact(resourceVersion?: string): void {
    const upTo =
      resourceVersion === undefined ? this.rv : Number(resourceVersion);
    while (this.historyHead < this.history.length) {
      const first = this.history[this.historyHead];
      if (first.rv > upTo) break;
      this.history[this.historyHead] = undefined as unknown as StoreEvent;
      this.historyHead++;
    }
    this.compactedRv = Math.max(this.compactedRv, upTo);
  }

  private flush(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.queue.length; i++) this.dispatch(this.queue[i]);
    } finally {
      this.queue.length = 0;
      this.dispatching = false;
    }
  }

  private dispatch(e: StoreEvent): void {
    const set = this.watchers.get(e.storage);
    if (!set || set.size === 0) return;
    for (const w of set) this.deliver(w, e);
  }

  private deliver(w: Watcher, e: StoreEvent): void {
    if (e.rv <= w.after) return;
    if (w.namespace !== undefined && w.namespace !== e.namespace) return;
    let type: WatchEvent['type'] | undefined = e.type;
    if (!isMatchAll(w.matcher)) {
      const now = w.matcher(e.object);
      if (e.type === 'MODIFIED') {
        const before = e.old ? w.matcher(e.old) : false;
        if (now && !before) type = 'ADDED';
        else if (!now && before) type = 'DELETED';
        else if (!now) type = undefined;
      } else if (!now) {
        type = undefined;
      }
    }
    if (!type) return;
    try {
      w.listener({ type, object: e.object });
    } catch (err) {
      // A failing listener must not break the writer or other watchers.
      // eslint-disable-next-line no-console
      console.error('k8s-sandbox watch listener failed', err);
    }
  }

  /**
   * Watches a resource. Events are delivered synchronously, in
   * resourceVersion order, after the write that caused them. Returns the
   * function that stops the watch.
   */
  watch(
    ref: ResourceRef,
    options: WatchOptions,
    listener: WatchListener,
  ): () => void {
    const type = this.resolve(ref);
    const matcher = selectorMatcher(
      options.labelSelector,
      options.fieldSelector,
    );
    const namespace =
      type.namespaced && options.namespace ? options.namespace : undefined;
    const from = options.fromResourceVersion;
    const w: Watcher = { namespace, matcher, listener, after: this.rv };
    if (from === undefined || from === '' || from === '0') {
      const { items } = this.list(type, {
        namespace,
        ...options,
        limit: 0,
        continue: undefined,
      });
      for (const object of items) listener({ type: 'ADDED', object });
    } else {
      const rv = Number(from);
      if (!Number.isInteger(rv) || rv < 0) {
        throw badRequest(`invalid resource version: ${from}`);
      }
      if (rv < this.compactedRv) {
        throw expired(`too old resource version: ${rv} (${this.compactedRv})`);
      }
      for (let i = this.firstAfter(rv); i < this.history.length; i++) {
        const e = this.history[i];
        if (e.storage === type.storage && e.rv <= w.after) {
          this.deliver({ ...w, after: rv }, e);
        }
      }
    }
    // Events still queued (a watch opened from a listener) are newer than
    // `after` and reach this watcher through the running dispatch.
    let set = this.watchers.get(type.storage);
    if (!set) this.watchers.set(type.storage, (set = new Set()));
    set.add(w);
    return () => {
      this.watchers.get(type.storage)?.delete(w);
    };
  }

  private firstAfter(rv: number): number {
    let lo = this.historyHead;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Number of open watches (all resources). */
  get watchCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }
}

export { storageKey };
