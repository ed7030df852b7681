import type {
  AiSreDetector,
  DetectorFinding,
  K8sObject,
} from '@internal/plugin-ai-sre-node';
import {
  condition,
  eventEvidence,
  parseTime,
  refOf,
  secondsSince,
} from './util';

function deploymentFindings(
  deployment: K8sObject,
  context: Parameters<NonNullable<AiSreDetector['evaluate']>>[1],
): DetectorFinding[] {
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const desired = spec.replicas ?? 1;
  const progressing = condition(deployment, 'Progressing');
  const fields = {
    replicas: desired,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    unavailableReplicas: status.unavailableReplicas ?? 0,
    revision:
      deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'],
    progressing: progressing?.reason,
  };
  const events = eventEvidence(context, deployment, ['ScalingReplicaSet']);
  if (
    progressing?.status === 'False' &&
    progressing.reason === 'ProgressDeadlineExceeded'
  ) {
    return [
      {
        object: refOf(deployment),
        reason: 'ProgressDeadlineExceeded',
        message: `Rollout of deployment ${
          deployment.metadata?.name
        } is stuck: ${progressing.message ?? 'progress deadline exceeded'}`,
        since: parseTime(progressing.lastTransitionTime),
        fields,
        events,
      },
    ];
  }
  if (spec.paused || desired === 0) {
    return [];
  }
  const unavailable = Math.max(
    status.unavailableReplicas ?? 0,
    desired - (status.availableReplicas ?? 0),
  );
  if (unavailable <= 0) {
    return [];
  }
  const rollingOut = (status.updatedReplicas ?? 0) < desired;
  return [
    {
      object: refOf(deployment),
      reason: rollingOut ? 'RolloutNotProgressing' : 'ReplicasUnavailable',
      message: rollingOut
        ? `Rollout of deployment ${
            deployment.metadata?.name
          } is not progressing: ${
            status.updatedReplicas ?? 0
          } of ${desired} replicas updated, ${unavailable} unavailable`
        : `Deployment ${deployment.metadata?.name} has ${unavailable} of ${desired} replicas unavailable`,
      fields,
      events,
    },
  ];
}

/** A rollout that stalls, or a workload with replicas down for too long. */
export const rolloutDetector: AiSreDetector = {
  id: 'rollout-stuck',
  title: 'Rollout stuck or replicas unavailable',
  description:
    'A Deployment rollout exceeded its progress deadline or left replicas unavailable, or a StatefulSet or DaemonSet has pods down, for longer than a healthy rollout takes.',
  reads: ['Deployment', 'StatefulSet', 'DaemonSet'],
  severity: 'high',
  debounceSeconds: 90,
  resolveSeconds: 30,
  evaluate(workload, context) {
    if (workload.kind === 'Deployment') {
      return deploymentFindings(workload, context);
    }
    const status = workload.status ?? {};
    let desired: number;
    let ready: number;
    if (workload.kind === 'DaemonSet') {
      desired = status.desiredNumberScheduled ?? 0;
      ready = status.numberReady ?? 0;
    } else {
      desired = workload.spec?.replicas ?? 1;
      ready = status.readyReplicas ?? 0;
    }
    if (desired === 0 || ready >= desired) {
      return [];
    }
    return [
      {
        object: refOf(workload),
        reason: 'ReplicasUnavailable',
        message: `${workload.kind} ${workload.metadata?.name} has ${ready} of ${desired} pods ready`,
        fields: {
          replicas: desired,
          readyReplicas: ready,
          currentRevision: status.currentRevision,
          updateRevision: status.updateRevision,
        },
        events: eventEvidence(context, workload),
      },
    ];
  },
};

/** Pods refused at creation by a ResourceQuota or LimitRange. */
export const quotaDetector: AiSreDetector = {
  id: 'quota-rejected',
  title: 'Pods refused by quota or limit range',
  description:
    'A controller cannot create pods because a ResourceQuota or LimitRange refuses them.',
  reads: ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'],
  severity: 'high',
  debounceSeconds: 10,
  resolveSeconds: 60,
  defaults: { windowSeconds: 300 },
  evaluate(owner, context) {
    const failed = context
      .eventsFor(owner)
      .filter(
        event =>
          event.reason === 'FailedCreate' &&
          /forbidden|exceeded quota|LimitRange|maximum|minimum/i.test(
            String(event.message ?? ''),
          ) &&
          secondsSince(context, parseTime(event.lastTimestamp)) <=
            context.settings.windowSeconds,
      );
    const replicaFailure = condition(owner, 'ReplicaFailure');
    if (failed.length === 0 && replicaFailure?.status !== 'True') {
      return [];
    }
    // Replica sets of a finished rollout are scaled to zero: not a problem.
    if (owner.kind === 'ReplicaSet' && (owner.spec?.replicas ?? 0) === 0) {
      return [];
    }
    const message = String(
      failed[failed.length - 1]?.message ?? replicaFailure?.message ?? '',
    );
    const quota = /exceeded quota: ([^,\s]+)/.exec(message)?.[1];
    return [
      {
        object: refOf(owner),
        reason: quota ? 'QuotaExceeded' : 'FailedCreate',
        message: `${owner.kind} ${owner.metadata?.name} cannot create pods: ${message}`,
        count:
          failed.reduce((sum, event) => sum + Number(event.count ?? 1), 0) || 1,
        fields: {
          quota,
          failedCreateMessage: message,
          replicas: owner.spec?.replicas,
          currentReplicas: owner.status?.replicas,
        },
        events: eventEvidence(context, owner, ['FailedCreate']),
      },
    ];
  },
};

/** Jobs that failed (back-off limit, deadline). */
export const jobFailedDetector: AiSreDetector = {
  id: 'job-failed',
  title: 'Job failed',
  description:
    'A Job (or a CronJob run) failed: back-off limit or deadline exceeded.',
  reads: ['Job'],
  // Final: the Job gave up after its retries, unlike a transient restart.
  severity: 'high',
  debounceSeconds: 0,
  resolveSeconds: 60,
  defaults: { windowSeconds: 1800 },
  evaluate(job, context) {
    const failed = condition(job, 'Failed');
    if (failed?.status !== 'True') {
      return [];
    }
    const at = parseTime(failed.lastTransitionTime);
    if (secondsSince(context, at) > context.settings.windowSeconds) {
      return [];
    }
    return [
      {
        object: refOf(job),
        reason: failed.reason ?? 'JobFailed',
        message: `Job ${job.metadata?.name} failed: ${
          failed.message ?? failed.reason
        }`,
        since: at,
        fields: {
          failedPods: job.status?.failed ?? 0,
          succeededPods: job.status?.succeeded ?? 0,
          backoffLimit: job.spec?.backoffLimit ?? 6,
          activeDeadlineSeconds: job.spec?.activeDeadlineSeconds,
        },
        events: eventEvidence(context, job),
      },
    ];
  },
};

/** An autoscaler pinned at its maximum while it wants more, or unable to scale. */
export const autoscalerDetector: AiSreDetector = {
  id: 'hpa-limited',
  title: 'Autoscaler at its maximum or unable to scale',
  description:
    'A HorizontalPodAutoscaler wants more replicas than its maximum allows, or cannot read metrics or scale its target.',
  reads: ['HorizontalPodAutoscaler'],
  severity: 'medium',
  debounceSeconds: 45,
  resolveSeconds: 60,
  evaluate(hpa, context) {
    const status = hpa.status ?? {};
    const max = hpa.spec?.maxReplicas;
    const fields = {
      minReplicas: hpa.spec?.minReplicas ?? 1,
      maxReplicas: max,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas,
      target: hpa.spec?.scaleTargetRef,
      currentMetrics: status.currentMetrics,
      metrics: hpa.spec?.metrics,
    };
    const findings: DetectorFinding[] = [];
    const limited = condition(hpa, 'ScalingLimited');
    if (
      limited?.status === 'True' &&
      limited.reason === 'TooManyReplicas' &&
      max !== undefined &&
      (status.currentReplicas ?? 0) >= max
    ) {
      findings.push({
        object: refOf(hpa),
        key: 'at-max',
        reason: 'AtMaxReplicas',
        message: `Autoscaler ${hpa.metadata?.name} is at its maximum of ${max} replicas and wants more`,
        since: parseTime(limited.lastTransitionTime),
        fields,
        events: eventEvidence(context, hpa),
      });
    }
    for (const type of ['ScalingActive', 'AbleToScale']) {
      const c = condition(hpa, type);
      if (c?.status === 'False') {
        findings.push({
          object: refOf(hpa),
          key: type,
          reason: c.reason ?? `${type}False`,
          message: `Autoscaler ${hpa.metadata?.name} cannot scale: ${
            c.message ?? c.reason
          }`,
          since: parseTime(c.lastTransitionTime),
          fields,
          events: eventEvidence(context, hpa),
        });
      }
    }
    return findings;
  },
};

/** Volumes that cannot be provisioned or bound. */
export const pvcDetector: AiSreDetector = {
  id: 'pvc-pending',
  title: 'Volume claim pending',
  description:
    'A PersistentVolumeClaim stays Pending: its StorageClass is missing or provisioning fails.',
  reads: ['PersistentVolumeClaim'],
  severity: 'high',
  debounceSeconds: 30,
  resolveSeconds: 30,
  evaluate(pvc, context) {
    if (pvc.status?.phase !== 'Pending') {
      return [];
    }
    const events = eventEvidence(context, pvc, [
      'ProvisioningFailed',
      'FailedBinding',
    ]);
    const className = pvc.spec?.storageClassName;
    if (events.length === 0) {
      // WaitForFirstConsumer claims wait for a pod by design.
      return [];
    }
    return [
      {
        object: refOf(pvc),
        reason: events[events.length - 1].reason,
        message: `Volume claim ${pvc.metadata?.name} is pending: ${
          events[events.length - 1].message
        }`,
        fields: {
          storageClassName: className,
          requestedStorage: pvc.spec?.resources?.requests?.storage,
        },
        events,
      },
    ];
  },
};

export const workloadDetectors = [
  rolloutDetector,
  quotaDetector,
  jobFailedDetector,
  autoscalerDetector,
  pvcDetector,
];
