import type { K8sObject } from '@internal/plugin-ai-sre-node';
import { createHash } from 'node:crypto';

/** Annotations detectors, changes and GitOps awareness read. */
const KEPT_ANNOTATION =
  /^(deployment\.kubernetes\.io\/revision|kubectl\.kubernetes\.io\/restartedAt|argocd\.argoproj\.io\/|kustomize\.toolkit\.fluxcd\.io\/|helm\.toolkit\.fluxcd\.io\/|meta\.helm\.sh\/|backstage\.io\/|storageclass\.kubernetes\.io\/is-default-class|volume\.kubernetes\.io\/)/;

function trimMeta(meta: any = {}) {
  const out: any = {
    name: meta.name,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
  };
  if (meta.namespace) out.namespace = meta.namespace;
  if (meta.generation !== undefined) out.generation = meta.generation;
  if (meta.creationTimestamp) out.creationTimestamp = meta.creationTimestamp;
  if (meta.deletionTimestamp) out.deletionTimestamp = meta.deletionTimestamp;
  if (meta.labels && Object.keys(meta.labels).length) out.labels = meta.labels;
  if (meta.annotations) {
    const kept = Object.entries(
      meta.annotations as Record<string, string>,
    ).filter(([key]) => KEPT_ANNOTATION.test(key));
    if (kept.length) out.annotations = Object.fromEntries(kept);
  }
  if (meta.ownerReferences?.length) {
    out.ownerReferences = meta.ownerReferences.map((o: any) => ({
      kind: o.kind,
      name: o.name,
      uid: o.uid,
      controller: o.controller,
    }));
  }
  return out;
}

function trimProbe(probe: any) {
  if (!probe) return undefined;
  const { exec, grpc, ...rest } = probe;
  return { ...rest, ...(exec ? { exec: {} } : {}), ...(grpc ? { grpc } : {}) };
}

/** The container fields detectors and reasoning read (no env values). */
function trimContainer(container: any) {
  return {
    name: container.name,
    image: container.image,
    ...(container.resources && Object.keys(container.resources).length
      ? { resources: container.resources }
      : {}),
    ...(container.ports
      ? {
          ports: container.ports.map((p: any) => ({
            name: p.name,
            containerPort: p.containerPort,
          })),
        }
      : {}),
    ...(container.readinessProbe
      ? { readinessProbe: trimProbe(container.readinessProbe) }
      : {}),
    ...(container.livenessProbe
      ? { livenessProbe: trimProbe(container.livenessProbe) }
      : {}),
    ...(container.startupProbe
      ? { startupProbe: trimProbe(container.startupProbe) }
      : {}),
    ...(container.restartPolicy
      ? { restartPolicy: container.restartPolicy }
      : {}),
  };
}

function trimContainerStatus(status: any) {
  return {
    name: status.name,
    image: status.image,
    ready: status.ready,
    restartCount: status.restartCount,
    ...(status.state ? { state: status.state } : {}),
    ...(status.lastState && Object.keys(status.lastState).length
      ? { lastState: status.lastState }
      : {}),
  };
}

function trimPod(pod: any): K8sObject {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  return {
    kind: 'Pod',
    metadata: trimMeta(pod.metadata),
    spec: {
      nodeName: spec.nodeName,
      containers: (spec.containers ?? []).map(trimContainer),
      ...(spec.initContainers?.length
        ? { initContainers: spec.initContainers.map(trimContainer) }
        : {}),
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.affinity ? { affinity: spec.affinity } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
      ...(spec.priorityClassName
        ? { priorityClassName: spec.priorityClassName }
        : {}),
      ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
      ...(spec.volumes
        ? {
            volumes: spec.volumes
              .filter(
                (v: any) => v.persistentVolumeClaim || v.configMap || v.secret,
              )
              .map((v: any) => ({
                name: v.name,
                ...(v.persistentVolumeClaim
                  ? {
                      persistentVolumeClaim: {
                        claimName: v.persistentVolumeClaim.claimName,
                      },
                    }
                  : {}),
                ...(v.configMap
                  ? { configMap: { name: v.configMap.name } }
                  : {}),
                ...(v.secret
                  ? { secret: { secretName: v.secret.secretName } }
                  : {}),
              })),
          }
        : {}),
    },
    status: {
      phase: status.phase,
      ...(status.reason ? { reason: status.reason } : {}),
      ...(status.message ? { message: status.message } : {}),
      ...(status.conditions
        ? {
            conditions: status.conditions.map((c: any) => ({
              type: c.type,
              status: c.status,
              reason: c.reason,
              message: c.message,
              lastTransitionTime: c.lastTransitionTime,
            })),
          }
        : {}),
      ...(status.containerStatuses
        ? {
            containerStatuses:
              status.containerStatuses.map(trimContainerStatus),
          }
        : {}),
      ...(status.initContainerStatuses
        ? {
            initContainerStatuses:
              status.initContainerStatuses.map(trimContainerStatus),
          }
        : {}),
      ...(status.startTime ? { startTime: status.startTime } : {}),
    },
  };
}

/**
 * A pod template as changes see it: containers with their env (values of
 * env entries are kept only as references or hashes, never Secret values).
 */
export function trimTemplate(template: any) {
  const spec = template?.spec ?? {};
  const container = (c: any) => ({
    ...trimContainer(c),
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(c.env
      ? {
          env: c.env.map((e: any) => ({
            name: e.name,
            ...(e.value !== undefined ? { value: e.value } : {}),
            ...(e.valueFrom ? { valueFrom: e.valueFrom } : {}),
          })),
        }
      : {}),
    ...(c.envFrom ? { envFrom: c.envFrom } : {}),
    ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}),
    ...(c.livenessProbe ? { livenessProbe: c.livenessProbe } : {}),
    ...(c.startupProbe ? { startupProbe: c.startupProbe } : {}),
  });
  return {
    metadata: {
      ...(template?.metadata?.labels
        ? { labels: template.metadata.labels }
        : {}),
      ...(template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']
        ? {
            annotations: {
              'kubectl.kubernetes.io/restartedAt':
                template.metadata.annotations[
                  'kubectl.kubernetes.io/restartedAt'
                ],
            },
          }
        : {}),
    },
    spec: {
      containers: (spec.containers ?? []).map(container),
      ...(spec.initContainers?.length
        ? { initContainers: spec.initContainers.map(container) }
        : {}),
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.affinity ? { affinity: spec.affinity } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
      ...(spec.priorityClassName
        ? { priorityClassName: spec.priorityClassName }
        : {}),
      ...(spec.topologySpreadConstraints
        ? { topologySpreadConstraints: spec.topologySpreadConstraints }
        : {}),
      ...(spec.volumes ? { volumes: spec.volumes } : {}),
      ...(spec.serviceAccountName
        ? { serviceAccountName: spec.serviceAccountName }
        : {}),
    },
  };
}

function trimWorkload(kind: string, object: any): K8sObject {
  const spec = object.spec ?? {};
  const keptSpec: any = {};
  for (const key of [
    'replicas',
    'paused',
    'progressDeadlineSeconds',
    'minReadySeconds',
    'revisionHistoryLimit',
    'selector',
    'strategy',
    'updateStrategy',
    'podManagementPolicy',
    'serviceName',
    'backoffLimit',
    'completions',
    'parallelism',
    'activeDeadlineSeconds',
    'schedule',
    'suspend',
    'concurrencyPolicy',
  ]) {
    if (spec[key] !== undefined) keptSpec[key] = spec[key];
  }
  if (spec.template) keptSpec.template = trimTemplate(spec.template);
  if (spec.jobTemplate) {
    keptSpec.jobTemplate = {
      spec: { template: trimTemplate(spec.jobTemplate.spec?.template) },
    };
  }
  if (spec.volumeClaimTemplates)
    keptSpec.volumeClaimTemplates = spec.volumeClaimTemplates;
  return {
    kind,
    metadata: trimMeta(object.metadata),
    spec: keptSpec,
    status: object.status,
  };
}

/** The hash that stands for a Secret's content: values never leave. */
export function contentHash(data: Record<string, string> | undefined): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data ?? {}).sort()) {
    hash
      .update(key)
      .update('\u0000')
      .update(String(data![key]))
      .update('\u0000');
  }
  return `sha256:${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Keeps only what detectors, changes and reasoning read, so a large cluster
 * fits in memory (managedFields, most annotations, env values of pods, ...
 * are dropped). Secrets keep their keys and a content hash, never values.
 */
export function trimObject(kind: string, object: any): K8sObject {
  switch (kind) {
    case 'Pod':
      return trimPod(object);
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'CronJob':
      return trimWorkload(kind, object);
    case 'Secret':
      return {
        kind,
        metadata: trimMeta(object.metadata),
        type: object.type,
        keys: Object.keys(object.data ?? {}).sort(),
        hash: contentHash(object.data),
      };
    case 'ConfigMap':
      return {
        kind,
        metadata: trimMeta(object.metadata),
        data: object.data ?? {},
      };
    case 'Event':
      return {
        kind,
        metadata: trimMeta(object.metadata),
        involvedObject: object.involvedObject ?? object.regarding,
        reason: object.reason,
        message: object.message ?? object.note,
        type: object.type,
        count: object.count ?? object.series?.count ?? 1,
        firstTimestamp:
          object.firstTimestamp ??
          object.eventTime ??
          object.deprecatedFirstTimestamp,
        lastTimestamp:
          object.lastTimestamp ??
          object.series?.lastObservedTime ??
          object.eventTime ??
          object.deprecatedLastTimestamp,
        source: object.source,
      };
    case 'Node':
      return {
        kind,
        metadata: trimMeta(object.metadata),
        spec: {
          ...(object.spec?.taints ? { taints: object.spec.taints } : {}),
          ...(object.spec?.unschedulable ? { unschedulable: true } : {}),
        },
        status: {
          capacity: object.status?.capacity,
          allocatable: object.status?.allocatable,
          conditions: (object.status?.conditions ?? []).map((c: any) => ({
            type: c.type,
            status: c.status,
            reason: c.reason,
            message: c.message,
            lastTransitionTime: c.lastTransitionTime,
          })),
        },
      };
    default:
      return {
        kind,
        metadata: trimMeta(object.metadata),
        spec: object.spec,
        status: object.status,
      };
  }
}
