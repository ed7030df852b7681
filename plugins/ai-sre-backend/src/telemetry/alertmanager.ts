import {
  ObjectRef,
  Signal,
  SIGNAL_SCHEMA_VERSION,
  SignalSeverity,
} from '@internal/plugin-ai-sre-common';
import { createHash } from 'node:crypto';
import { z } from 'zod';

const labelsSchema = z.record(z.string(), z.string());

/** The Alertmanager webhook payload, version 4. */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelsSchema,
  commonLabels: labelsSchema,
  commonAnnotations: labelsSchema,
  externalURL: z.string(),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: labelsSchema,
        annotations: labelsSchema,
        startsAt: z
          .string()
          .refine(
            v => !Number.isNaN(Date.parse(v)),
            'expected an RFC 3339 time',
          ),
        endsAt: z.string(),
        generatorURL: z.string().optional(),
        fingerprint: z.string().min(1),
      }),
    )
    .min(1),
});

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

const SEVERITIES: Record<string, SignalSeverity> = {
  critical: 'critical',
  error: 'high',
  high: 'high',
  warning: 'medium',
  medium: 'medium',
  low: 'low',
  info: 'info',
  none: 'info',
};

/** The Kubernetes object an alert's labels point at (kube-state-metrics naming). */
export function alertObject(labels: Record<string, string>): ObjectRef {
  const namespace = labels.namespace || labels.exported_namespace || undefined;
  const pairs: Array<[string, string]> = [
    ['pod', 'Pod'],
    ['deployment', 'Deployment'],
    ['statefulset', 'StatefulSet'],
    ['daemonset', 'DaemonSet'],
    ['job_name', 'Job'],
    ['cronjob', 'CronJob'],
    ['horizontalpodautoscaler', 'HorizontalPodAutoscaler'],
    ['persistentvolumeclaim', 'PersistentVolumeClaim'],
    ['service', 'Service'],
  ];
  for (const [label, kind] of pairs) {
    if (labels[label]) {
      return { kind, ...(namespace ? { namespace } : {}), name: labels[label] };
    }
  }
  if (labels.node) return { kind: 'Node', name: labels.node };
  return {
    kind: 'Alert',
    ...(namespace ? { namespace } : {}),
    name: labels.alertname ?? 'alert',
  };
}

/** Labels used to find the entity: `backstage.io/kubernetes-id` in Prometheus spelling too. */
function entityLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  const id =
    labels['backstage.io/kubernetes-id'] ??
    labels.label_backstage_io_kubernetes_id ??
    labels.backstage_io_kubernetes_id;
  if (id) out['backstage.io/kubernetes-id'] = id;
  return out;
}

/**
 * Alerts as signals. The id comes from the alert's fingerprint and start, so
 * a repeated delivery updates the same signal instead of adding one.
 */
export function alertsToSignals(
  payload: AlertmanagerPayload,
  receivedAt: number,
): Signal[] {
  return payload.alerts.map(alert => {
    const labels = { ...payload.commonLabels, ...alert.labels };
    const object = alertObject(labels);
    const id = createHash('sha1')
      .update(`alertmanager\u0000${alert.fingerprint}\u0000${alert.startsAt}`)
      .digest('hex');
    const resolved = alert.status === 'resolved';
    const endsAt = Date.parse(alert.endsAt);
    const annotations = { ...payload.commonAnnotations, ...alert.annotations };
    return {
      schemaVersion: SIGNAL_SCHEMA_VERSION,
      id,
      fingerprint: `alertmanager:${alert.fingerprint}`,
      detector: 'alertmanager',
      severity: SEVERITIES[(labels.severity ?? '').toLowerCase()] ?? 'medium',
      cluster: labels.cluster ?? 'alertmanager',
      object,
      ownerChain: [],
      workload: object,
      labels: entityLabels(labels),
      reason: labels.alertname ?? 'Alert',
      message:
        annotations.summary ??
        annotations.description ??
        annotations.message ??
        labels.alertname ??
        'alert',
      status: resolved ? 'resolved' : 'active',
      firstSeen: new Date(Date.parse(alert.startsAt)).toISOString(),
      lastSeen: new Date(receivedAt).toISOString(),
      resolvedAt: resolved
        ? new Date(
            Number.isNaN(endsAt) || endsAt <= 0 ? receivedAt : endsAt,
          ).toISOString()
        : null,
      count: 1,
      evidence: {
        fields: {
          alertname: labels.alertname,
          labels,
          annotations,
          generatorURL: alert.generatorURL,
          receiver: payload.receiver,
        },
        events: [],
        logs: [],
        metrics: [],
      },
      entityRefs: [],
    };
  });
}
