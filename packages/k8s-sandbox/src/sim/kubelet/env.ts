/**
 * What the kubelet resolves before it creates a container: environment
 * variables (`env`, `envFrom`, `valueFrom`) and the pod's volumes, with the
 * error messages the real kubelet reports.
 */
import type { ObjectStore } from '../../api/store';
import { parseQuantity } from '../../scenario';
import type { Obj } from './format';

export type EnvResult =
  | { ok: true; env: Record<string, string> }
  | { ok: false; message: string };

export type VolumeResult =
  | { kind: 'ok' }
  /** A PersistentVolumeClaim is missing or not bound yet. */
  | { kind: 'unbound'; claim: string }
  /** ConfigMap/Secret volumes that cannot be set up (FailedMount). */
  | { kind: 'failed'; messages: string[] };

/** The string values of a Secret (`data` base64-decoded, `stringData`). */
export function secretValues(secret: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    out[key] = Buffer.from(String(value), 'base64').toString('utf8');
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) {
    out[key] = String(value);
  }
  return out;
}

/** The string values of a ConfigMap (`data` and `binaryData`). */
export function configMapValues(configMap: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) {
    out[key] = Buffer.from(String(value), 'base64').toString('utf8');
  }
  for (const [key, value] of Object.entries(configMap.data ?? {})) {
    out[key] = String(value);
  }
  return out;
}

type Source = 'Secret' | 'ConfigMap';

class Lookup {
  constructor(
    private readonly store: ObjectStore,
    private readonly namespace: string,
  ) {}

  values(kind: Source, name: string): Record<string, string> | undefined {
    const resource = kind === 'Secret' ? 'secrets' : 'configmaps';
    const obj = this.store.tryGet(resource, this.namespace, name) as
      | Obj
      | undefined;
    if (!obj) {
      return undefined;
    }
    return kind === 'Secret' ? secretValues(obj) : configMapValues(obj);
  }
}

class EnvError extends Error {}

function notFound(kind: Source, name: string): EnvError {
  return new EnvError(`${kind.toLowerCase()} "${name}" not found`);
}

/** Expands `$(VAR)` references to variables defined before, as Kubernetes. */
export function expandEnv(value: string, env: Record<string, string>): string {
  return value.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, e, v) => {
    if (e) {
      return `$(${v})`;
    }
    return Object.prototype.hasOwnProperty.call(env, v) ? env[v] : m;
  });
}

function fieldRefValue(pod: Obj, path: string): string {
  const meta = pod.metadata ?? {};
  const bracket = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (bracket) {
    return String(meta[bracket[1]]?.[bracket[2]] ?? '');
  }
  const simple: Record<string, unknown> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'default',
    'status.hostIP': pod.status?.hostIP,
    'status.hostIPs': pod.status?.hostIP,
    'status.podIP': pod.status?.podIP,
    'status.podIPs': pod.status?.podIP,
  };
  return String(simple[path] ?? '');
}

function resourceFieldValue(container: Obj, ref: Obj): string {
  const [kind, resource] = String(ref.resource ?? '').split('.');
  const raw = container.resources?.[kind]?.[resource];
  const divisor = ref.divisor ? parseQuantity(ref.divisor) : 1;
  const value = raw === undefined ? 0 : parseQuantity(raw);
  return String(Math.ceil(value / (divisor || 1)));
}

function keyRef(
  lookup: Lookup,
  kind: Source,
  ref: Obj,
  namespace: string,
): string | undefined {
  const values = lookup.values(kind, ref.name);
  if (!values) {
    if (ref.optional) {
      return undefined;
    }
    throw notFound(kind, ref.name);
  }
  if (!(ref.key in values)) {
    if (ref.optional) {
      return undefined;
    }
    throw new EnvError(
      `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}`,
    );
  }
  return values[ref.key];
}

function envVarValue(
  lookup: Lookup,
  pod: Obj,
  container: Obj,
  variable: Obj,
  env: Record<string, string>,
): string | undefined {
  const from = variable.valueFrom;
  const namespace = pod.metadata?.namespace ?? 'default';
  if (!from) {
    return expandEnv(String(variable.value ?? ''), env);
  }
  if (from.secretKeyRef) {
    return keyRef(lookup, 'Secret', from.secretKeyRef, namespace);
  }
  if (from.configMapKeyRef) {
    return keyRef(lookup, 'ConfigMap', from.configMapKeyRef, namespace);
  }
  if (from.fieldRef) {
    return fieldRefValue(pod, String(from.fieldRef.fieldPath ?? ''));
  }
  if (from.resourceFieldRef) {
    return resourceFieldValue(container, from.resourceFieldRef);
  }
  return '';
}

function addEnvFrom(
  lookup: Lookup,
  source: Obj,
  env: Record<string, string>,
): void {
  const kind: Source = source.secretRef ? 'Secret' : 'ConfigMap';
  const ref = source.secretRef ?? source.configMapRef;
  if (!ref) {
    return;
  }
  const values = lookup.values(kind, ref.name);
  if (!values) {
    if (ref.optional) {
      return;
    }
    throw notFound(kind, ref.name);
  }
  for (const [key, value] of Object.entries(values)) {
    env[`${source.prefix ?? ''}${key}`] = value;
  }
}

/**
 * The container's environment as the kubelet builds it (envFrom first, then
 * env in order), or the CreateContainerConfigError message.
 */
export function resolveEnv(
  store: ObjectStore,
  pod: Obj,
  container: Obj,
): EnvResult {
  const lookup = new Lookup(store, pod.metadata?.namespace ?? 'default');
  const env: Record<string, string> = {};
  try {
    for (const source of container.envFrom ?? []) {
      addEnvFrom(lookup, source, env);
    }
    for (const variable of container.env ?? []) {
      const value = envVarValue(lookup, pod, container, variable, env);
      if (value !== undefined) {
        env[variable.name] = value;
      }
    }
  } catch (error) {
    if (error instanceof EnvError) {
      return { ok: false, message: error.message };
    }
    throw error;
  }
  return { ok: true, env };
}

function checkSource(
  lookup: Lookup,
  kind: Source,
  name: string,
  optional: boolean,
  items: Obj[] | undefined,
): string | undefined {
  const values = lookup.values(kind, name);
  if (!values) {
    return optional ? undefined : `${kind.toLowerCase()} "${name}" not found`;
  }
  for (const item of items ?? []) {
    if (!(item.key in values) && !optional) {
      return kind === 'Secret'
        ? `references non-existent secret key: ${item.key}`
        : `configmap references non-existent config key: ${item.key}`;
    }
  }
  return undefined;
}

function volumeProblem(lookup: Lookup, volume: Obj): string | undefined {
  if (volume.configMap) {
    const c = volume.configMap;
    return checkSource(lookup, 'ConfigMap', c.name, !!c.optional, c.items);
  }
  if (volume.secret) {
    const s = volume.secret;
    return checkSource(lookup, 'Secret', s.secretName, !!s.optional, s.items);
  }
  for (const source of volume.projected?.sources ?? []) {
    const ref = source.configMap ?? source.secret;
    if (!ref) {
      continue;
    }
    const kind: Source = source.secret ? 'Secret' : 'ConfigMap';
    const problem = checkSource(
      lookup,
      kind,
      ref.name,
      !!ref.optional,
      ref.items,
    );
    if (problem) {
      return problem;
    }
  }
  return undefined;
}

/** Whether the pod's volumes can be set up now. */
export function checkVolumes(store: ObjectStore, pod: Obj): VolumeResult {
  const namespace = pod.metadata?.namespace ?? 'default';
  for (const volume of pod.spec?.volumes ?? []) {
    const claim = volume.persistentVolumeClaim?.claimName;
    if (claim) {
      const pvc = store.tryGet(
        'persistentvolumeclaims',
        namespace,
        claim,
      ) as Obj;
      if (pvc?.status?.phase !== 'Bound') {
        return { kind: 'unbound', claim };
      }
    }
  }
  const lookup = new Lookup(store, namespace);
  const messages: string[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    const problem = volumeProblem(lookup, volume);
    if (problem) {
      messages.push(
        `MountVolume.SetUp failed for volume "${volume.name}" : ${problem}`,
      );
    }
  }
  return messages.length ? { kind: 'failed', messages } : { kind: 'ok' };
}
