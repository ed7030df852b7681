/**
 * Small helpers shared by the control-plane loops: object access, pod
 * predicates, conditions, quantities, owner references and hashing.
 */
import type { KubeObject, OwnerReference } from '../../api/types';
import { rfc3339 } from '../../api/util';
import { parseQuantity } from '../../scenario';

/** Store objects are untyped JSON; controllers read them loosely. */
export type Obj = Record<string, any>;

export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

export function namespaceOf(obj: KubeObject): string {
  return obj.metadata?.namespace ?? '';
}

/** `namespace/name` (or `name`): the key work queues and caches use. */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : obj.metadata?.name ?? '';
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}

export function timestamp(ms: number): string {
  return rfc3339(ms);
}

export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** A deep copy of a (frozen) store object that may be mutated. */
export function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

// ------------------------------------------------------------------ pods

export function isTerminating(pod: KubeObject): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = (pod as Obj).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Not terminating and not finished: what controllers count as a replica. */
export function isActive(pod: KubeObject): boolean {
  return !isTerminating(pod) && !isTerminal(pod);
}

export function condition(obj: KubeObject, type: string): Obj | undefined {
  return ((obj as Obj).status?.conditions ?? []).find(
    (c: Obj) => c.type === type,
  );
}

export function isPodReady(pod: KubeObject): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least `minReadySeconds` at `now`. */
export function isPodAvailable(
  pod: KubeObject,
  minReadySeconds: number,
  now: number,
): boolean {
  const ready = condition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(ready.lastTransitionTime) ?? 0;
  return since + minReadySeconds * 1000 <= now;
}

/** When a Ready pod becomes available, if later than `now`. */
export function availableAt(
  pod: KubeObject,
  minReadySeconds: number,
): number | undefined {
  const ready = condition(pod, 'Ready');
  if (ready?.status !== 'True' || minReadySeconds <= 0) return undefined;
  return (parseTime(ready.lastTransitionTime) ?? 0) + minReadySeconds * 1000;
}

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find(o => o.controller);
}

export function ownerRefTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: nameOf(owner),
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

// ------------------------------------------------------------ conditions

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/**
 * Sets a condition as Kubernetes helpers do: unchanged when status, reason
 * and message are the same; `lastTransitionTime` kept while the status
 * stays. `withUpdateTime` adds `lastUpdateTime` (Deployments).
 */
export function setCondition(
  conditions: Obj[] | undefined,
  input: ConditionInput,
  now: number,
  withUpdateTime = false,
): Obj[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex(c => c.type === input.type);
  const previous = i >= 0 ? list[i] : undefined;
  if (
    previous &&
    previous.status === input.status &&
    previous.reason === input.reason &&
    previous.message === input.message
  ) {
    return list;
  }
  const time = timestamp(now);
  const next: Obj = { type: input.type, status: input.status };
  if (withUpdateTime) next.lastUpdateTime = time;
  next.lastTransitionTime =
    previous && previous.status === input.status
      ? previous.lastTransitionTime
      : time;
  if (input.reason !== undefined) next.reason = input.reason;
  if (input.message !== undefined) next.message = input.message;
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(
  conditions: Obj[] | undefined,
  type: string,
): Obj[] {
  return (conditions ?? []).filter(c => c.type !== type);
}

// ------------------------------------------------------------ quantities

export function quantity(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  try {
    return parseQuantity(value);
  } catch {
    return 0;
  }
}

const BINARY: Array<[string, number]> = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** Canonical quantity text as Kubernetes prints it (`500m`, `2`, `1Gi`). */
export function formatQuantity(value: number, resource: string): string {
  if (isMemoryLike(resource)) {
    const bytes = Math.round(value);
    if (bytes === 0) return '0';
    for (const [suffix, factor] of BINARY) {
      if (bytes % factor === 0) return `${bytes / factor}${suffix}`;
    }
    return String(bytes);
  }
  if (isCpuLike(resource)) {
    const milli = Math.round(value * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  return String(Math.round(value * 1000) / 1000);
}

function isMemoryLike(resource: string): boolean {
  return /memory|storage/.test(resource);
}

function isCpuLike(resource: string): boolean {
  return /cpu/.test(resource);
}

// ----------------------------------------------------------------- hashing

/** FNV-1a, 32 bits. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** JSON with sorted keys, so equal objects hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as Obj)
      .filter(k => (value as Obj)[k] !== undefined)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonicalJson((value as Obj)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

const SAFE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * `rand.SafeEncodeString` of the decimal hash, as the Deployment and
 * StatefulSet controllers name revisions (`5d9c7b8f6` and the like);
 * padded to 10 characters.
 */
export function safeEncode(hash: number): string {
  const digits = String(hash).padStart(10, '0');
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    out += SAFE_CHARS[digits.charCodeAt(i) % SAFE_CHARS.length];
  }
  return out;
}

/** A stable hash of a pod template (plus collision count). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(template) + (collisionCount ? collisionCount : '');
  return safeEncode(fnv32a(text));
}

/** Five random-looking but deterministic name characters. */
export function nameSuffix(seed: string): string {
  let hash = fnv32a(seed);
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += SAFE_CHARS[hash % SAFE_CHARS.length];
    hash = Math.floor(hash / SAFE_CHARS.length) ^ fnv32a(`${seed}:${i}`);
    hash >>>= 0;
  }
  return out;
}

/** Resolves an int-or-percent against `total`. */
export function intOrPercent(
  value: unknown,
  total: number,
  roundUp: boolean,
  fallback: number | string,
): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Runs `fn` and reports (not throws) anything it throws. */
export function guarded(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    // eslint-disable-next-line no-console
    console.error(`k8s-sandbox: ${what} failed`, error);
  }
}
