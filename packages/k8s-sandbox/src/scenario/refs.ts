import { describeValue, UnitError } from './units';

/** A reference to a Kubernetes object: `Kind/namespace/name` or `Kind/name`. */
export interface ObjectRef {
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** The reference as written. */
  ref: string;
}

/** What an image's `dependsOn` points at. */
export type DependencyTarget =
  | { kind: 'Service'; namespace: string; name: string; ref: string }
  | { kind: 'external'; name: string; ref: string };

/** Kinds that are known to be cluster-scoped. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** Kinds that are known to be namespaced. */
export const NAMESPACED_KINDS: ReadonlySet<string> = new Set([
  'ConfigMap',
  'ControllerRevision',
  'CronJob',
  'DaemonSet',
  'Deployment',
  'Endpoints',
  'EndpointSlice',
  'Event',
  'HorizontalPodAutoscaler',
  'Ingress',
  'Job',
  'Lease',
  'LimitRange',
  'NetworkPolicy',
  'PersistentVolumeClaim',
  'Pod',
  'PodDisruptionBudget',
  'ReplicaSet',
  'ResourceQuota',
  'Role',
  'RoleBinding',
  'Secret',
  'Service',
  'ServiceAccount',
  'StatefulSet',
]);

/** Kinds whose pods a `traffic`, `log` or `block` step may target. */
export const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
] as const;

/** Kinds a `scale` step may target. */
export const SCALABLE_KINDS = ['Deployment', 'StatefulSet'] as const;

const KIND = /^[A-Z][A-Za-z0-9]*$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Lenient: RBAC names may contain ':'; the API server checks the rest.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.:]*[A-Za-z0-9])?$/;
const EXTERNAL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function listKinds(kinds: readonly string[]): string {
  return kinds.length === 1
    ? `a ${kinds[0]}`
    : `a ${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
}

/**
 * Parses `Kind/namespace/name` or `Kind/name`. Known cluster-scoped kinds
 * must use the short form, known namespaced kinds the long one. With
 * `kinds`, only those kinds are accepted.
 */
export function parseObjectRef(
  text: unknown,
  kinds?: readonly string[],
): ObjectRef {
  const expected = kinds
    ? `expected a reference to ${listKinds(kinds)} (Kind/namespace/name)`
    : 'expected a reference like Kind/namespace/name or Kind/name';
  if (typeof text !== 'string') {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  const parts = text.split('/');
  const got = describeValue(text);
  if (parts.length < 2 || parts.length > 3) {
    throw new UnitError(`${expected}, got ${got}`);
  }
  const kind = parts[0];
  const name = parts[parts.length - 1];
  const namespace = parts.length === 3 ? parts[1] : undefined;
  if (!KIND.test(kind)) {
    throw new UnitError(
      `${expected}, got ${got} (the kind must be like Deployment)`,
    );
  }
  if (kinds && !kinds.includes(kind)) {
    throw new UnitError(`${expected}, got ${got}`);
  }
  if (namespace !== undefined && !NAMESPACE.test(namespace)) {
    throw new UnitError(
      `${expected}, got ${got} (${JSON.stringify(
        namespace,
      )} is not a valid namespace)`,
    );
  }
  if (!NAME.test(name)) {
    throw new UnitError(
      `${expected}, got ${got} (${JSON.stringify(name)} is not a valid name)`,
    );
  }
  if (namespace !== undefined && CLUSTER_SCOPED_KINDS.has(kind)) {
    throw new UnitError(
      `${kind} is cluster-scoped: expected ${kind}/name, got ${got}`,
    );
  }
  if (namespace === undefined && NAMESPACED_KINDS.has(kind)) {
    throw new UnitError(
      `${kind} is namespaced: expected ${kind}/namespace/name, got ${got}`,
    );
  }
  return namespace === undefined
    ? { kind, name, ref: text }
    : { kind, namespace, name, ref: text };
}

/** Parses a `dependsOn` target: `Service/ns/name` or `external/NAME`. */
export function parseDependencyTarget(text: unknown): DependencyTarget {
  const expected =
    'expected a dependency target like Service/namespace/name or external/NAME';
  if (typeof text !== 'string') {
    throw new UnitError(`${expected}, got ${describeValue(text)}`);
  }
  const parts = text.split('/');
  if (parts[0] === 'external') {
    if (parts.length === 2 && EXTERNAL_NAME.test(parts[1])) {
      return { kind: 'external', name: parts[1], ref: text };
    }
  } else if (parts[0] === 'Service' && parts.length === 3) {
    const ref = parseObjectRef(text, ['Service']);
    return {
      kind: 'Service',
      namespace: ref.namespace as string,
      name: ref.name,
      ref: text,
    };
  }
  throw new UnitError(`${expected}, got ${describeValue(text)}`);
}

const ENTITY_REF =
  /^[A-Za-z][A-Za-z0-9-]*:[a-z0-9][-a-z0-9_.]*\/[A-Za-z0-9][-A-Za-z0-9_.]*$/;

/** Checks a full catalog entity reference: `component:default/inventory`. */
export function parseEntityRef(text: unknown): string {
  if (typeof text !== 'string' || !ENTITY_REF.test(text)) {
    throw new UnitError(
      `expected an entity reference like component:default/inventory, got ${describeValue(
        text,
      )}`,
    );
  }
  return text;
}
