/**
 * The Kubernetes objects detectors read, as plain JSON (timestamps are RFC
 * 3339 strings), trimmed by telemetry to the fields detectors use.
 */

/** @public */
export interface K8sOwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

/** @public */
export interface K8sObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: K8sOwnerReference[];
}

/**
 * Any Kubernetes object. `spec` and `status` are kept as JSON; detectors
 * narrow them to the fields they read.
 *
 * @public
 */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: K8sObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

/**
 * The kinds telemetry watches. Events include both core/v1 and
 * events.k8s.io/v1 (normalised to the core/v1 shape).
 *
 * @public
 */
export const WATCHED_KINDS = [
  'Pod',
  'Node',
  'Event',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PersistentVolumeClaim',
  'Service',
  'Endpoints',
  'ConfigMap',
  'Secret',
  'ResourceQuota',
] as const;

/** @public */
export type WatchedKind = (typeof WATCHED_KINDS)[number];
