/**
 * The pod status the kubelet reports: phase, conditions (keeping their
 * lastTransitionTime while unchanged), IPs and container statuses.
 */
import type { ContainerRuntime, Terminated } from './container';
import { isoSeconds, Obj } from './format';
import type { PodRuntime } from './pod';

/** Condition types the kubelet owns; others (e.g. PodScheduled) are kept. */
const KUBELET_CONDITIONS = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
];

function terminatedOf(term: Terminated): Obj {
  return {
    exitCode: term.exitCode,
    reason: term.reason,
    ...(term.message ? { message: term.message } : {}),
    startedAt: isoSeconds(term.startedAt),
    finishedAt: isoSeconds(term.finishedAt),
    containerID: term.containerID,
  };
}

function stateOf(c: ContainerRuntime): Obj {
  const state = c.state;
  switch (state.kind) {
    case 'running':
      return { running: { startedAt: isoSeconds(state.startedAt) } };
    case 'terminated':
      return { terminated: terminatedOf(state.term) };
    default:
      return {
        waiting: {
          reason: state.reason,
          ...(state.message ? { message: state.message } : {}),
        },
      };
  }
}

export function containerStatus(c: ContainerRuntime): Obj {
  const id = c.containerId;
  return {
    name: c.name,
    state: stateOf(c),
    lastState: c.lastTerminated
      ? { terminated: terminatedOf(c.lastTerminated) }
      : {},
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageId,
    ...(id ? { containerID: id } : {}),
    started: c.running && c.started,
  };
}

function condition(
  previous: Obj[],
  type: string,
  ok: boolean,
  now: number,
  extra: Obj = {},
): Obj {
  const status = ok ? 'True' : 'False';
  const before = previous.find(c => c.type === type);
  const time =
    before && before.status === status
      ? before.lastTransitionTime
      : isoSeconds(now);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: time,
    ...extra,
  };
}

function notReadyReason(list: ContainerRuntime[]): Obj {
  const names = list.filter(c => !c.ready).map(c => c.name);
  if (names.length === 0) {
    return {};
  }
  return {
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${names.join(' ')}]`,
  };
}

function conditionsOf(pod: PodRuntime, now: number): Obj[] {
  const previous: Obj[] = pod.obj.status?.conditions ?? [];
  const kept = previous.filter(c => !KUBELET_CONDITIONS.includes(c.type));
  if (!kept.some(c => c.type === 'PodScheduled')) {
    kept.push(condition(previous, 'PodScheduled', true, now));
  }
  const ready = pod.ready;
  const sidecars = pod.initContainers.filter(c => c.role === 'sidecar');
  const notReady =
    pod.stage === 'main'
      ? notReadyReason([...sidecars, ...pod.containers])
      : {};
  const initDone = pod.initialized;
  const pendingInit = pod.initContainers
    .filter(c => !c.completed && c.role === 'init')
    .map(c => c.name);
  const conditions = [
    condition(
      previous,
      'PodReadyToStartContainers',
      pod.stage !== 'volumes',
      now,
    ),
    condition(
      previous,
      'Initialized',
      initDone,
      now,
      initDone
        ? {}
        : {
            reason: 'ContainersNotInitialized',
            message: `containers with incomplete status: [${pendingInit.join(
              ' ',
            )}]`,
          },
    ),
    condition(previous, 'Ready', ready, now, ready ? {} : notReady),
    condition(previous, 'ContainersReady', ready, now, ready ? {} : notReady),
  ];
  if (
    pod.stage === 'evicted' &&
    !kept.some(c => c.type === 'DisruptionTarget')
  ) {
    kept.push(
      condition(previous, 'DisruptionTarget', true, now, {
        reason: 'TerminationByKubelet',
        message: pod.evictionMessage,
      }),
    );
  }
  return [...kept, ...conditions];
}

/** The status the kubelet would write for the pod now. */
export function podStatus(pod: PodRuntime, hostIP: string, now: number): Obj {
  const previous: Obj = pod.obj.status ?? {};
  const status: Obj = {
    ...previous,
    phase: pod.phase(),
    conditions: conditionsOf(pod, now),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: pod.ip,
    podIPs: [{ ip: pod.ip }],
    startTime: isoSeconds(pod.startTime ?? now),
    containerStatuses: pod.containers.map(containerStatus),
    qosClass: pod.qosClass,
  };
  if (pod.initContainers.length > 0) {
    status.initContainerStatuses = pod.initContainers.map(containerStatus);
  } else {
    delete status.initContainerStatuses;
  }
  if (pod.stage === 'evicted') {
    status.reason = 'Evicted';
    status.message = pod.evictionMessage;
  }
  return status;
}
