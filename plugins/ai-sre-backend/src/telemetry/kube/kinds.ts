import type { WatchedKind } from '@internal/plugin-ai-sre-node';

/** Where the API server lists and watches each kind telemetry reads. */
export const KIND_PATHS: Record<WatchedKind, string> = {
  Pod: '/api/v1/pods',
  Node: '/api/v1/nodes',
  Event: '/api/v1/events',
  Service: '/api/v1/services',
  Endpoints: '/api/v1/endpoints',
  ConfigMap: '/api/v1/configmaps',
  Secret: '/api/v1/secrets',
  PersistentVolumeClaim: '/api/v1/persistentvolumeclaims',
  ResourceQuota: '/api/v1/resourcequotas',
  Deployment: '/apis/apps/v1/deployments',
  ReplicaSet: '/apis/apps/v1/replicasets',
  StatefulSet: '/apis/apps/v1/statefulsets',
  DaemonSet: '/apis/apps/v1/daemonsets',
  Job: '/apis/batch/v1/jobs',
  CronJob: '/apis/batch/v1/cronjobs',
  HorizontalPodAutoscaler: '/apis/autoscaling/v2/horizontalpodautoscalers',
};

export const CLUSTER_SCOPED: ReadonlySet<WatchedKind> = new Set(['Node']);
