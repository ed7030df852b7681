import type {
  AiSreDetector,
  DetectorFinding,
  K8sObject,
} from '@internal/plugin-ai-sre-node';
import {
  condition,
  containerSpec,
  containerStatuses,
  eventEvidence,
  formatBytes,
  parseQuantity,
  parseTime,
  refOf,
  secondsSince,
} from './util';

const podRef = refOf;

/** A container that exits (not OOM) and is restarted again and again. */
export const crashLoopDetector: AiSreDetector = {
  id: 'crash-loop',
  title: 'Container crash loop',
  description:
    'A container keeps exiting and being restarted (CrashLoopBackOff), for reasons other than an OOM kill.',
  reads: ['Pod'],
  severity: 'high',
  debounceSeconds: 0,
  resolveSeconds: 120,
  defaults: { minRestarts: 2, windowSeconds: 600 },
  evaluate(pod, context) {
    const { minRestarts, windowSeconds } = context.settings;
    const findings: DetectorFinding[] = [];
    for (const status of containerStatuses(pod)) {
      const last = status.lastState?.terminated ?? status.state?.terminated;
      const waiting = status.state?.waiting?.reason;
      const restarts = status.restartCount ?? 0;
      if (!last || last.reason === 'OOMKilled' || restarts < minRestarts) {
        continue;
      }
      const backingOff = waiting === 'CrashLoopBackOff';
      const recentFailure =
        (last.exitCode ?? 0) !== 0 &&
        secondsSince(context, parseTime(last.finishedAt)) <= windowSeconds;
      if (!backingOff && !recentFailure) {
        continue;
      }
      const exit = `exit code ${last.exitCode ?? '?'}${
        last.reason ? ` (${last.reason})` : ''
      }`;
      findings.push({
        object: podRef(pod),
        key: status.name,
        reason: 'CrashLoopBackOff',
        message: `Container ${status.name} of pod ${pod.metadata?.name} has restarted ${restarts} times; last ${exit}`,
        count: restarts,
        fields: {
          container: status.name,
          init: status.init,
          image: status.image,
          restartCount: restarts,
          lastExitCode: last.exitCode,
          lastReason: last.reason,
          lastMessage: last.message,
          lastStartedAt: last.startedAt,
          lastFinishedAt: last.finishedAt,
          waitingReason: waiting,
          waitingMessage: status.state?.waiting?.message,
          nodeName: pod.spec?.nodeName,
        },
        events: eventEvidence(context, pod, [
          'BackOff',
          'Killing',
          'Unhealthy',
        ]),
        logs: [
          {
            namespace: pod.metadata?.namespace ?? 'default',
            pod: pod.metadata?.name ?? '',
            container: status.name,
            previous: true,
          },
        ],
      });
    }
    return findings;
  },
};

/** A container killed by the kernel for exceeding its memory limit. */
export const oomKilledDetector: AiSreDetector = {
  id: 'oom-killed',
  title: 'Container OOM-killed',
  description:
    'A container was killed for using more memory than its limit (exit code 137, OOMKilled).',
  reads: ['Pod'],
  severity: 'high',
  debounceSeconds: 0,
  resolveSeconds: 300,
  defaults: { windowSeconds: 900 },
  evaluate(pod, context) {
    const findings: DetectorFinding[] = [];
    for (const status of containerStatuses(pod)) {
      const termination =
        status.state?.terminated?.reason === 'OOMKilled'
          ? status.state.terminated
          : status.lastState?.terminated;
      if (termination?.reason !== 'OOMKilled') {
        continue;
      }
      const finishedAt = parseTime(termination.finishedAt);
      if (secondsSince(context, finishedAt) > context.settings.windowSeconds) {
        continue;
      }
      const spec = containerSpec(pod, status.name);
      const limit = parseQuantity(spec?.resources?.limits?.memory);
      const request = parseQuantity(spec?.resources?.requests?.memory);
      const restarts = status.restartCount ?? 0;
      findings.push({
        object: podRef(pod),
        key: status.name,
        reason: 'OOMKilled',
        message: `Container ${status.name} of pod ${
          pod.metadata?.name
        } was OOM-killed${
          limit ? ` at its ${formatBytes(limit)} memory limit` : ''
        } (${restarts} restart${restarts === 1 ? '' : 's'})`,
        count: Math.max(1, restarts),
        since: finishedAt,
        fields: {
          container: status.name,
          image: status.image,
          restartCount: restarts,
          exitCode: termination.exitCode ?? 137,
          memoryLimitBytes: limit,
          memoryRequestBytes: request,
          lastStartedAt: termination.startedAt,
          lastFinishedAt: termination.finishedAt,
          runSeconds:
            parseTime(termination.finishedAt) !== undefined &&
            parseTime(termination.startedAt) !== undefined
              ? (parseTime(termination.finishedAt)! -
                  parseTime(termination.startedAt)!) /
                1000
              : undefined,
          nodeName: pod.spec?.nodeName,
        },
        events: eventEvidence(context, pod, [
          'BackOff',
          'OOMKilling',
          'Killing',
        ]),
        logs: [
          {
            namespace: pod.metadata?.namespace ?? 'default',
            pod: pod.metadata?.name ?? '',
            container: status.name,
            previous: true,
          },
        ],
      });
    }
    return findings;
  },
};

const PULL_REASONS = [
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
];

/** An image that cannot be pulled. */
export const imagePullDetector: AiSreDetector = {
  id: 'image-pull',
  title: 'Image pull failure',
  description:
    'A container image cannot be pulled (wrong tag or repository, no access).',
  reads: ['Pod'],
  severity: 'high',
  debounceSeconds: 15,
  resolveSeconds: 30,
  evaluate(pod, context) {
    return containerStatuses(pod)
      .filter(status =>
        PULL_REASONS.includes(status.state?.waiting?.reason ?? ''),
      )
      .map(status => {
        const spec = containerSpec(pod, status.name);
        const image = spec?.image ?? status.image;
        return {
          object: podRef(pod),
          key: status.name,
          reason: status.state!.waiting!.reason!,
          message: `Image ${image} of container ${
            status.name
          } cannot be pulled: ${
            status.state?.waiting?.message ?? status.state!.waiting!.reason
          }`,
          fields: {
            container: status.name,
            image,
            waitingReason: status.state?.waiting?.reason,
            waitingMessage: status.state?.waiting?.message,
            nodeName: pod.spec?.nodeName,
          },
          events: eventEvidence(context, pod, ['Failed', 'BackOff', 'Pulling']),
        };
      });
  },
};

const CONFIG_REASONS = [
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
];

/** What a config error message names as missing. */
export function missingReference(
  message: string,
): { kind: string; name: string; key?: string } | undefined {
  const missingObject = /(secret|configmap)s? "([^"]+)" not found/i.exec(
    message,
  );
  if (missingObject) {
    return {
      kind:
        missingObject[1].toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap',
      name: missingObject[2],
    };
  }
  const missingKey =
    /couldn't find key (\S+) in (Secret|ConfigMap) (?:[^/\s]+\/)?(\S+)/i.exec(
      message,
    );
  if (missingKey) {
    return {
      kind: missingKey[2] === 'Secret' ? 'Secret' : 'ConfigMap',
      name: missingKey[3],
      key: missingKey[1],
    };
  }
  return undefined;
}

/** A container that cannot be created from its configuration. */
export const containerConfigDetector: AiSreDetector = {
  id: 'container-config',
  title: 'Container configuration error',
  description:
    'A container cannot be created: a referenced Secret, ConfigMap or key is missing, or a volume cannot be mounted.',
  reads: ['Pod'],
  severity: 'high',
  debounceSeconds: 10,
  resolveSeconds: 30,
  defaults: { mountSeconds: 60 },
  evaluate(pod, context) {
    const findings: DetectorFinding[] = [];
    for (const status of containerStatuses(pod)) {
      const waiting = status.state?.waiting;
      if (!waiting || !CONFIG_REASONS.includes(waiting.reason ?? '')) {
        continue;
      }
      const missing = missingReference(waiting.message ?? '');
      findings.push({
        object: podRef(pod),
        key: status.name,
        reason: waiting.reason!,
        message: `Container ${status.name} of pod ${
          pod.metadata?.name
        } cannot start: ${waiting.message ?? waiting.reason}`,
        fields: {
          container: status.name,
          image: status.image,
          waitingReason: waiting.reason,
          waitingMessage: waiting.message,
          ...(missing
            ? {
                missingKind: missing.kind,
                missingName: missing.name,
                missingKey: missing.key,
              }
            : {}),
        },
        events: eventEvidence(context, pod, ['Failed']),
      });
    }
    // A pod stuck creating its containers because a volume cannot mount.
    const creating = containerStatuses(pod).some(
      s => s.state?.waiting?.reason === 'ContainerCreating',
    );
    const mountEvents = eventEvidence(context, pod, [
      'FailedMount',
      'FailedAttachVolume',
    ]);
    const scheduledAt = parseTime(
      condition(pod, 'PodScheduled')?.lastTransitionTime,
    );
    if (
      (creating || (pod.status?.phase === 'Pending' && pod.spec?.nodeName)) &&
      mountEvents.length > 0 &&
      secondsSince(context, scheduledAt) >= context.settings.mountSeconds
    ) {
      const message = mountEvents[mountEvents.length - 1].message;
      const missing = missingReference(message);
      findings.push({
        object: podRef(pod),
        key: 'volumes',
        reason: 'FailedMount',
        message: `Pod ${pod.metadata?.name} cannot mount its volumes: ${message}`,
        fields: {
          ...(missing
            ? {
                missingKind: missing.kind,
                missingName: missing.name,
                missingKey: missing.key,
              }
            : {}),
          nodeName: pod.spec?.nodeName,
        },
        events: mountEvents,
      });
    }
    return findings;
  },
};

/** A pod the scheduler cannot place. */
export const podPendingDetector: AiSreDetector = {
  id: 'pod-pending',
  title: 'Pod cannot be scheduled',
  description:
    'A pod stays Pending because no node fits it; the scheduler says why.',
  reads: ['Pod'],
  severity: 'high',
  debounceSeconds: 30,
  resolveSeconds: 30,
  evaluate(pod, context) {
    if (pod.status?.phase !== 'Pending' || pod.spec?.nodeName) {
      return [];
    }
    if (pod.metadata?.deletionTimestamp) {
      return [];
    }
    const scheduled = condition(pod, 'PodScheduled');
    if (scheduled?.status !== 'False') {
      return [];
    }
    const message = scheduled.message ?? 'the scheduler found no node';
    return [
      {
        object: podRef(pod),
        reason: scheduled.reason ?? 'Unschedulable',
        message: `Pod ${pod.metadata?.name} cannot be scheduled: ${message}`,
        since: parseTime(scheduled.lastTransitionTime),
        fields: {
          schedulerMessage: message,
          requests: requestsOf(pod),
          nodeSelector: pod.spec?.nodeSelector,
          affinity: pod.spec?.affinity ? true : undefined,
          tolerations: pod.spec?.tolerations,
          priorityClassName: pod.spec?.priorityClassName,
          volumes: (pod.spec?.volumes ?? [])
            .filter((v: any) => v.persistentVolumeClaim)
            .map((v: any) => v.persistentVolumeClaim.claimName),
        },
        events: eventEvidence(context, pod, ['FailedScheduling']),
      },
    ];
  },
};

function requestsOf(pod: K8sObject): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const container of pod.spec?.containers ?? []) {
    cpu += parseQuantity(container.resources?.requests?.cpu) ?? 0;
    memory += parseQuantity(container.resources?.requests?.memory) ?? 0;
  }
  return { cpu, memory };
}

const PROBE_TYPES = ['Readiness', 'Liveness', 'Startup'] as const;

function probeSpec(pod: K8sObject, type: string) {
  const field = `${type.toLowerCase()}Probe`;
  for (const container of pod.spec?.containers ?? []) {
    if (container[field]) {
      return { container: container.name as string, probe: container[field] };
    }
  }
  return undefined;
}

/** Probes that keep failing. */
export const probeFailureDetector: AiSreDetector = {
  id: 'probe-failure',
  title: 'Probe failures',
  description:
    'Liveness, readiness or startup probes keep failing: the app is killed or never Ready.',
  reads: ['Pod'],
  severity: 'medium',
  debounceSeconds: 20,
  resolveSeconds: 120,
  defaults: { minFailures: 3, windowSeconds: 300 },
  evaluate(pod, context) {
    const { minFailures, windowSeconds } = context.settings;
    const events = context
      .eventsFor(pod)
      .filter(
        event =>
          event.reason === 'Unhealthy' &&
          secondsSince(
            context,
            parseTime(event.lastTimestamp) ?? parseTime(event.eventTime),
          ) <= windowSeconds,
      );
    const findings: DetectorFinding[] = [];
    for (const type of PROBE_TYPES) {
      const matching = events.filter(event =>
        String(event.message ?? '').startsWith(`${type} probe`),
      );
      const failures = matching.reduce(
        (sum, event) => sum + Number(event.count ?? 1),
        0,
      );
      if (failures < minFailures) {
        continue;
      }
      const spec = probeSpec(pod, type);
      const probe = spec?.probe ?? {};
      // Only failures that are still happening: the last one within a few
      // probe periods. A readiness probe that failed while a slow app
      // started, and passes now that the pod is Ready, is no problem.
      const period = probe.periodSeconds ?? 10;
      const threshold = probe.failureThreshold ?? 3;
      const lastFailure = Math.max(
        ...matching.map(
          event =>
            parseTime(event.lastTimestamp) ?? parseTime(event.eventTime) ?? 0,
        ),
      );
      const recent =
        secondsSince(context, lastFailure) <=
        Math.max(60, 2 * period * threshold);
      const ready = condition(pod, 'Ready')?.status === 'True';
      if (!recent || (type === 'Readiness' && ready)) {
        continue;
      }
      findings.push({
        object: podRef(pod),
        key: type.toLowerCase(),
        reason: `${type}ProbeFailed`,
        message: `${type} probe of pod ${
          pod.metadata?.name
        } failed ${failures} times: ${String(
          matching[matching.length - 1].message,
        )}`,
        count: failures,
        fields: {
          probe: type.toLowerCase(),
          container: spec?.container,
          httpPath: probe.httpGet?.path,
          port: probe.httpGet?.port ?? probe.tcpSocket?.port,
          exec: probe.exec ? true : undefined,
          timeoutSeconds: probe.timeoutSeconds ?? 1,
          periodSeconds: probe.periodSeconds ?? 10,
          initialDelaySeconds: probe.initialDelaySeconds ?? 0,
          failureThreshold: probe.failureThreshold ?? 3,
          lastMessage: matching[matching.length - 1].message,
          podReady: condition(pod, 'Ready')?.status === 'True',
        },
        events: eventEvidence(context, pod, ['Unhealthy', 'Killing']),
      });
    }
    return findings;
  },
};

/** Pods evicted by the kubelet (node pressure) or by the API. */
export const evictionDetector: AiSreDetector = {
  id: 'eviction',
  title: 'Pod evicted',
  description:
    'A pod was evicted, usually because its node ran short of memory or disk.',
  reads: ['Pod'],
  severity: 'medium',
  debounceSeconds: 0,
  resolveSeconds: 60,
  defaults: { windowSeconds: 900 },
  evaluate(pod, context) {
    if (pod.status?.reason !== 'Evicted') {
      return [];
    }
    const events = eventEvidence(context, pod, ['Evicted']);
    const at =
      parseTime(condition(pod, 'DisruptionTarget')?.lastTransitionTime) ??
      parseTime(events[events.length - 1]?.lastTimestamp) ??
      parseTime(pod.metadata?.creationTimestamp);
    if (secondsSince(context, at) > context.settings.windowSeconds) {
      return [];
    }
    return [
      {
        object: podRef(pod),
        reason: 'Evicted',
        message: `Pod ${pod.metadata?.name} was evicted from ${
          pod.spec?.nodeName ?? 'its node'
        }: ${pod.status?.message ?? 'no reason given'}`,
        since: at,
        fields: {
          nodeName: pod.spec?.nodeName,
          statusMessage: pod.status?.message,
          priority: pod.spec?.priority,
        },
        events,
      },
    ];
  },
};

export const podDetectors = [
  crashLoopDetector,
  oomKilledDetector,
  imagePullDetector,
  containerConfigDetector,
  podPendingDetector,
  probeFailureDetector,
  evictionDetector,
];
