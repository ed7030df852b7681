import type { K8sObject } from '@internal/plugin-ai-sre-node';
import { createHash } from 'node:crypto';

/**
 * Projections of cached (trimmed) objects onto the fields whose change is
 * evidence: what runs, how, where and with which configuration. Label and
 * annotation noise is dropped, except `kubectl.kubernetes.io/restartedAt`.
 */

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const DEPLOYMENT_REVISION = 'deployment.kubernetes.io/revision';

/** Kinds whose pod template is tracked. */
export const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
] as const;

export function isWorkloadKind(kind: string): boolean {
  return (WORKLOAD_KINDS as readonly string[]).includes(kind);
}

/** Where the pod template of a workload kind lives. */
export function templatePath(kind: string): string {
  return kind === 'CronJob'
    ? 'spec.jobTemplate.spec.template'
    : 'spec.template';
}

export function templateOf(kind: string, object: K8sObject | undefined): any {
  if (!object) return undefined;
  return kind === 'CronJob'
    ? object.spec?.jobTemplate?.spec?.template
    : object.spec?.template;
}

/** Labels that map a workload to its entity: its pod template's. */
export function workloadLabels(
  kind: string,
  object: K8sObject | undefined,
): Record<string, string> {
  return {
    ...(templateOf(kind, object)?.metadata?.labels ?? {}),
  } as Record<string, string>;
}

/** A Job a CronJob created: routine, not a change. */
export function isOwnedByCronJob(object: K8sObject): boolean {
  return (object.metadata?.ownerReferences ?? []).some(
    o => o.kind === 'CronJob',
  );
}

/** Env names whose literal values are likely secrets (CARD_KEY, DB_PASSWORD). */
const SENSITIVE_NAME =
  /(passw|secret|token|credential|api[_-]?key|private[_-]?key|(^|[_.-])(key|auth|pwd|dsn)($|[_.-]))/i;

/** Literal env values under names that look secret never leave: a hash does. */
export function redactedValue(value: string): string {
  return `<redacted sha256:${createHash('sha256')
    .update(value)
    .digest('hex')
    .slice(0, 12)}>`;
}

function envEntry(entry: any) {
  const sensitive = SENSITIVE_NAME.test(String(entry?.name ?? ''));
  return {
    name: entry?.name,
    ...(entry?.value !== undefined
      ? {
          value: sensitive
            ? redactedValue(String(entry.value))
            : String(entry.value),
        }
      : {}),
    ...(entry?.valueFrom ? { valueFrom: entry.valueFrom } : {}),
  };
}

function container(c: any) {
  const out: Record<string, unknown> = { name: c.name, image: c.image };
  if (c.command) out.command = c.command;
  if (c.args) out.args = c.args;
  if (c.env?.length) out.env = c.env.map(envEntry);
  if (c.envFrom?.length) out.envFrom = c.envFrom;
  if (c.resources && Object.keys(c.resources).length) {
    out.resources = c.resources;
  }
  if (c.ports?.length) {
    out.ports = c.ports.map((p: any) => ({
      ...(p.name ? { name: p.name } : {}),
      containerPort: p.containerPort,
    }));
  }
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    if (c[probe]) out[probe] = c[probe];
  }
  if (c.restartPolicy) out.restartPolicy = c.restartPolicy;
  return out;
}

/** A volume reduced to the ConfigMap, Secret or claim it mounts. */
function volume(v: any) {
  if (v.configMap) return { name: v.name, configMap: v.configMap.name };
  if (v.secret) return { name: v.name, secret: v.secret.secretName };
  if (v.persistentVolumeClaim) {
    return {
      name: v.name,
      persistentVolumeClaim: v.persistentVolumeClaim.claimName,
    };
  }
  if (v.projected?.sources) {
    const sources: string[] = [];
    for (const source of v.projected.sources as any[]) {
      if (source.configMap) sources.push(`ConfigMap ${source.configMap.name}`);
      if (source.secret) sources.push(`Secret ${source.secret.name}`);
    }
    if (sources.length) return { name: v.name, projected: sources };
  }
  return undefined;
}

const SCHEDULING = [
  'nodeSelector',
  'affinity',
  'tolerations',
  'priorityClassName',
  'topologySpreadConstraints',
] as const;

/** The meaningful part of a pod template (a trimmed template as input). */
export function projectTemplate(template: any): Record<string, unknown> {
  const spec = template?.spec ?? {};
  const out: Record<string, any> = {};
  const restartedAt = template?.metadata?.annotations?.[RESTARTED_AT];
  if (restartedAt) {
    out.metadata = { annotations: { [RESTARTED_AT]: restartedAt } };
  }
  const podSpec: Record<string, unknown> = {
    containers: (spec.containers ?? []).map(container),
  };
  if (spec.initContainers?.length) {
    podSpec.initContainers = spec.initContainers.map(container);
  }
  for (const field of SCHEDULING) {
    if (spec[field] !== undefined) podSpec[field] = spec[field];
  }
  const volumes = (spec.volumes ?? []).map(volume).filter(Boolean);
  if (volumes.length) podSpec.volumes = volumes;
  if (spec.serviceAccountName) {
    podSpec.serviceAccountName = spec.serviceAccountName;
  }
  out.spec = podSpec;
  return out;
}

/** CronJob fields besides the template whose change matters. */
export function projectCronJobSchedule(object: K8sObject | undefined) {
  return {
    schedule: object?.spec?.schedule,
    suspend: object?.spec?.suspend ?? false,
  };
}

export function projectService(object: K8sObject | undefined) {
  const spec = object?.spec ?? {};
  return {
    type: spec.type ?? 'ClusterIP',
    selector: spec.selector ?? {},
    ports: (spec.ports ?? []).map((p: any) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.nodePort ? { nodePort: p.nodePort } : {}),
    })),
  };
}

export const NODE_CONDITIONS = [
  'Ready',
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
];

export function taintText(taint: any): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}

export function projectNode(object: K8sObject | undefined) {
  const conditions = (object?.status?.conditions ?? []) as any[];
  return {
    spec: {
      unschedulable: Boolean(object?.spec?.unschedulable),
      taints: ((object?.spec?.taints ?? []) as any[]).map(taintText).sort(),
    },
    status: {
      conditions: NODE_CONDITIONS.flatMap(type => {
        const condition = conditions.find(c => c.type === type);
        return condition ? [{ type, status: condition.status }] : [];
      }),
    },
  };
}

function metricName(metric: any): string {
  switch (metric?.type) {
    case 'Resource':
      return metric.resource?.name ?? 'resource';
    case 'ContainerResource':
      return `${metric.containerResource?.container}/${metric.containerResource?.name}`;
    case 'Pods':
      return metric.pods?.metric?.name ?? 'pods';
    case 'Object':
      return metric.object?.metric?.name ?? 'object';
    case 'External':
      return metric.external?.metric?.name ?? 'external';
    default:
      return String(metric?.type ?? 'metric');
  }
}

function metricTarget(metric: any): unknown {
  const body =
    metric?.resource ??
    metric?.containerResource ??
    metric?.pods ??
    metric?.object ??
    metric?.external;
  return body?.target ?? body?.targetAverageUtilization ?? body;
}

export function projectAutoscaler(object: K8sObject | undefined) {
  const spec = object?.spec ?? {};
  const out: Record<string, unknown> = {
    scaleTargetRef: spec.scaleTargetRef
      ? { kind: spec.scaleTargetRef.kind, name: spec.scaleTargetRef.name }
      : undefined,
    minReplicas: spec.minReplicas ?? 1,
    maxReplicas: spec.maxReplicas,
  };
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    out.targetCPUUtilizationPercentage = spec.targetCPUUtilizationPercentage;
  }
  if (spec.metrics?.length) {
    out.metrics = (spec.metrics as any[]).map(m => ({
      name: metricName(m),
      target: metricTarget(m),
    }));
  }
  return out;
}
