/**
 * Shared types of the sandbox API server and its object store.
 */

/** Source of time for every timestamp the store writes (epoch ms). */
export interface Clock {
  now(): number;
}

/** A JSON value as stored and served. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** Any Kubernetes object. Objects handed out by the store are deep-frozen. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** `meta/v1 Status`, the body of every error response. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export type WatchEventType =
  | 'ADDED'
  | 'MODIFIED'
  | 'DELETED'
  | 'BOOKMARK'
  | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

/** Identity of the caller, as RBAC and admission hooks see it. */
export interface UserInfo {
  username: string;
  groups: string[];
}

/** A field-level validation problem; turns into a 422 Invalid cause. */
export interface FieldIssue {
  field: string;
  message: string;
  /** Status cause reason; defaults to `FieldValueInvalid`. */
  reason?: string;
}

export interface LogReadOptions {
  previous: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps: boolean;
}

/** Supplies container logs for `pods/{name}/log`. */
export interface LogProvider {
  read(
    namespace: string,
    pod: string,
    container: string,
    options: LogReadOptions,
  ): string[] | Error;
  /**
   * Streams new lines until the returned function is called; `onEnd` may be
   * called by the provider when the container stops.
   */
  follow(
    namespace: string,
    pod: string,
    container: string,
    onLine: (line: string) => void,
    onEnd?: () => void,
  ): () => void;
}

export interface ContainerMetrics {
  name: string;
  usage: { cpu: string; memory: string };
}

export interface PodMetrics {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

export interface NodeMetrics {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

/** Supplies `metrics.k8s.io/v1beta1` objects (apiVersion/kind are added). */
export interface MetricsProvider {
  podMetrics(namespace?: string): PodMetrics[];
  nodeMetrics(): NodeMetrics[];
}
