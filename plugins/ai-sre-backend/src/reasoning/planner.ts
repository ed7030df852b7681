/**
 * Fix planning: an allow-listed plan for the top hypothesis, first step
 * the fix, parameters taken from the evidence (the revision before the
 * bad one, a memory limit above the observed peak, an autoscaler maximum
 * that covers the observed demand), then usually a notification.
 */
import type { Change, ObjectRef, Signal } from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import {
  formatMi,
  numberField,
  shapeOf,
  stringField,
  WORKLOAD_KINDS,
} from './rules/facts';
import type {
  Hypothesis,
  PlanStep,
  ReasoningContext,
  SignalGroup,
} from './types';

interface PlanInput {
  h: Hypothesis;
  group: SignalGroup;
  context: ReasoningContext;
  signals: Signal[];
  changes: Change[];
}

const show = (ref: ObjectRef | null) => (ref ? formatObjectRef(ref) : 'it');

/** `component:default/web` as an object ref for notify/monitor steps. */
function entityTarget(entityRef: string | null): ObjectRef | null {
  if (!entityRef) return null;
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(entityRef);
  if (!match) return null;
  const kind = match[1].charAt(0).toUpperCase() + match[1].slice(1);
  return { kind, namespace: match[2] ?? 'default', name: match[3] };
}

function notify(input: PlanInput, why: string): PlanStep {
  const entityRef = input.h.entityRef;
  const owner = entityRef
    ? input.context.entities[entityRef]?.ownerRef ?? null
    : null;
  return {
    action: 'notify-owner',
    target: entityTarget(entityRef),
    params: {
      ...(entityRef ? { entityRef } : {}),
      ...(owner ? { owner } : {}),
      category: input.h.category,
      message: why,
    },
    risk: 'low',
    expectedEffect: `The owner${owner ? ` (${owner})` : ''} of ${
      entityRef ?? 'the affected service'
    } is told: ${why}`,
    verification: 'The notification is delivered and acknowledged.',
    inverse: 'None needed (a notification changes nothing in the cluster).',
  };
}

function monitor(input: PlanInput, what: string): PlanStep {
  return {
    action: 'monitor',
    target: input.h.object ?? entityTarget(input.h.entityRef),
    params: { minutes: 15 },
    risk: 'low',
    expectedEffect: `Watch ${what} for 15 minutes.`,
    verification: 'The signals of the incident resolve or an owner acts.',
    inverse: 'None needed.',
  };
}

/** The workload the hypothesis is about: the culprit or the symptoms'. */
function workloadOf(input: PlanInput): ObjectRef | null {
  const { h, signals } = input;
  if (h.object && WORKLOAD_KINDS.includes(h.object.kind)) return h.object;
  const counts = new Map<string, { ref: ObjectRef; n: number }>();
  for (const s of signals) {
    if (!WORKLOAD_KINDS.includes(s.workload.kind)) continue;
    const key = formatObjectRef(s.workload);
    counts.set(key, {
      ref: s.workload,
      n: (counts.get(key)?.n ?? 0) + 1,
    });
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.ref ?? null;
}

/** A rollback to the revision before the one the evidence blames. */
function rollback(input: PlanInput, why: string): PlanStep | undefined {
  const revision = input.changes
    .filter(
      c => c.kind === 'workload-revision' && c.object.kind === 'Deployment',
    )
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  if (!revision || shapeOf(revision).created) return undefined;
  const bad = Number(revision.revision);
  const previous = input.context.changes
    .filter(
      c =>
        c.kind === 'workload-revision' &&
        formatObjectRef(c.object) === formatObjectRef(revision.object) &&
        Date.parse(c.at) < Date.parse(revision.at) &&
        c.revision,
    )
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  let to: number | undefined;
  if (previous?.revision) to = Number(previous.revision);
  else if (Number.isFinite(bad) && bad > 1) to = bad - 1;
  return {
    action: 'rollback-deployment',
    target: revision.object,
    params: {
      ...(to !== undefined ? { revision: to } : {}),
      ...(Number.isFinite(bad) ? { fromRevision: bad } : {}),
    },
    risk: 'medium',
    expectedEffect: `${revision.object.name} returns to ${
      to !== undefined ? `revision ${to}` : 'its previous revision'
    }, undoing "${revision.summary}"; ${why}`,
    verification: `All replicas of ${revision.object.name} are updated, Ready and stop restarting; the incident's signals resolve within 5 minutes.`,
    inverse: `Roll ${revision.object.name} forward again to revision ${
      Number.isFinite(bad) ? bad : 'the current one'
    }.`,
  };
}

function setMemory(input: PlanInput, leak: boolean): PlanStep | undefined {
  const workload = workloadOf(input);
  if (!workload) return undefined;
  const ooms = input.signals.filter(s => s.detector === 'oom-killed');
  const spikes = input.signals.filter(s => s.detector === 'memory-spike');
  const container =
    stringField(ooms[0] ?? spikes[0], 'container') ?? workload.name;
  const limit =
    ooms.map(s => numberField(s, 'memoryLimitBytes')).find(x => x) ??
    spikes.map(s => numberField(s, 'memoryLimitBytes')).find(x => x);
  const peak = Math.max(
    0,
    ...spikes.map(s => numberField(s, 'workingSetBytes') ?? 0),
  );
  // A lowered limit in the blamed revision: at least what it was before.
  const before = input.changes
    .map(c => shapeOf(c).memoryLimit?.before)
    .find(x => x !== undefined);
  let target: number;
  let basis: string;
  if (!limit) {
    if (!peak) return undefined;
    target = peak * 1.5;
    basis = `1.5x the observed peak of ${formatMi(peak)}`;
  } else if (ooms.length || peak >= limit * 0.95) {
    // It dies at its limit before a peak can be seen: double it.
    target = Math.max(limit * (leak ? 1.5 : 2), before ?? 0, peak * 1.25);
    basis = `${leak ? '1.5x' : 'double'} the ${formatMi(
      limit,
    )} limit it is killed at${
      before ? `, at least the ${formatMi(before)} it had before` : ''
    }`;
  } else {
    target = Math.max(peak * 1.5, limit);
    basis = `1.5x the observed peak of ${formatMi(peak)}`;
  }
  const memoryLimit = formatMi(
    Math.ceil(target / (16 * 1024 ** 2)) * 16 * 1024 ** 2,
  );
  return {
    action: 'set-resources',
    target: workload,
    params: {
      container,
      memoryLimit,
      ...(limit ? { previousMemoryLimit: formatMi(limit) } : {}),
    },
    risk: 'medium',
    expectedEffect: `Container ${container} of ${
      workload.name
    } gets a ${memoryLimit} memory limit (${basis}), so it ${
      leak
        ? 'runs longer between kills while the leak is fixed'
        : 'stops being OOM-killed'
    }.`,
    verification: `No OOMKilled restarts of ${workload.name} for 10 minutes; its working set stays below ${memoryLimit}.`,
    inverse: limit
      ? `Set the memory limit of ${container} back to ${formatMi(limit)}.`
      : `Remove the memory limit of ${container}.`,
  };
}

function setCpu(input: PlanInput): PlanStep | undefined {
  const workload = workloadOf(input);
  if (!workload) return undefined;
  const throttled = input.signals.filter(s => s.detector === 'cpu-throttling');
  const limit = throttled
    .map(s => numberField(s, 'cpuLimitCores'))
    .find(x => x !== undefined);
  if (!limit) return undefined;
  const container = stringField(throttled[0], 'container') ?? workload.name;
  const ratio = Math.max(
    ...throttled.map(s => numberField(s, 'throttledRatio') ?? 0.5),
  );
  const cores = limit * Math.max(2, 1 + ratio * 2);
  const cpuLimit = `${Math.ceil((cores * 1000) / 50) * 50}m`;
  return {
    action: 'set-resources',
    target: workload,
    params: {
      container,
      cpuLimit,
      previousCpuLimit: `${Math.round(limit * 1000)}m`,
    },
    risk: 'medium',
    expectedEffect: `Container ${container} of ${
      workload.name
    } may use ${cpuLimit} instead of ${Math.round(
      limit * 1000,
    )}m, so it is no longer throttled (${Math.round(
      ratio * 100,
    )}% of periods now).`,
    verification: `Throttled periods of ${workload.name} fall below 25% and its latency and probes recover.`,
    inverse: `Set the CPU limit of ${container} back to ${Math.round(
      limit * 1000,
    )}m.`,
  };
}

function setAutoscaler(input: PlanInput): PlanStep | undefined {
  const hpa = input.signals.find(
    s => s.detector === 'hpa-limited' && s.reason === 'AtMaxReplicas',
  );
  if (!hpa || !input.h.object) return undefined;
  const f = hpa.evidence.fields;
  const max = Number(f.maxReplicas);
  const current = Number(f.currentReplicas ?? max);
  const used = (f.currentMetrics as any[] | undefined)?.find(
    m => m?.resource?.current?.averageUtilization !== undefined,
  );
  const wanted = (f.metrics as any[] | undefined)?.find(
    m => m?.resource?.target?.averageUtilization !== undefined,
  );
  const utilization = Number(used?.resource?.current?.averageUtilization);
  const targetUtilization = Number(
    wanted?.resource?.target?.averageUtilization,
  );
  const targetName = (f.target as any)?.name as string | undefined;
  // Throttled pods report their limit: the real demand is hidden above it.
  const throttled = input.group.signals.some(
    s =>
      s.detector === 'cpu-throttling' &&
      (!targetName || s.workload.name === targetName),
  );
  let maxReplicas: number;
  let basis: string;
  if (utilization > 0 && targetUtilization > 0) {
    const ratio = utilization / targetUtilization;
    const headroom = throttled ? 1.25 : 1;
    maxReplicas = Math.ceil(current * ratio * headroom);
    basis = `${current} replicas x ${utilization}% / ${targetUtilization}% target${
      throttled ? ' x 1.25 (throttled pods hide demand above their limit)' : ''
    }`;
  } else {
    maxReplicas = max * 2;
    basis = `twice the current maximum of ${max}`;
  }
  maxReplicas = Math.max(maxReplicas, max + 1);
  return {
    action: 'set-autoscaler',
    target: input.h.object,
    params: { maxReplicas, previousMaxReplicas: max },
    risk: 'medium',
    expectedEffect: `${input.h.object.name} may scale to ${maxReplicas} replicas (${basis}), covering the observed demand.`,
    verification: `The autoscaler settles below its new maximum; CPU throttling and latency of ${
      targetName ?? 'the target'
    } return to normal.`,
    inverse: `Set maxReplicas of ${input.h.object.name} back to ${max}.`,
  };
}

function nodeStep(
  action: 'drain-node' | 'cordon-node',
  node: ObjectRef,
): PlanStep {
  return action === 'drain-node'
    ? {
        action,
        target: node,
        params: { node: node.name },
        risk: 'medium',
        expectedEffect: `Pods on ${node.name} are evicted and rescheduled on healthy nodes (the node is cordoned first).`,
        verification: `No pods of the affected workloads remain on ${node.name}; their replicas are Ready elsewhere.`,
        inverse: `Uncordon ${node.name} once it is healthy.`,
      }
    : {
        action,
        target: node,
        params: { node: node.name },
        risk: 'low',
        expectedEffect: `No new pods are scheduled on ${node.name}.`,
        verification: `${node.name} is unschedulable.`,
        inverse: `Uncordon ${node.name}.`,
      };
}

/**
 * Plans a fix for a hypothesis: allow-listed actions only, first the fix,
 * then usually notify-owner.
 */
export function planFix(
  hypothesis: Hypothesis,
  group: SignalGroup,
  context: ReasoningContext,
): PlanStep[] {
  const signalIds = new Set(hypothesis.evidence.signalIds);
  const changeIds = new Set(hypothesis.evidence.changeIds);
  const input: PlanInput = {
    h: hypothesis,
    group,
    context,
    signals: group.signals.filter(s => signalIds.has(s.id)),
    changes: context.changes.filter(c => changeIds.has(c.id)),
  };
  if (!input.signals.length) input.signals = group.signals;
  const steps = planSteps(input).filter((s): s is PlanStep => !!s);
  return steps.length
    ? steps
    : [
        notify(input, hypothesis.summary),
        monitor(input, show(hypothesis.object)),
      ];
}

function planSteps(input: PlanInput): Array<PlanStep | undefined> {
  const { h } = input;
  const summary = h.summary;
  const culprit = h.object;
  switch (h.category) {
    case 'bad-deploy':
    case 'image-pull':
    case 'scheduling-constraint': {
      const step = rollback(input, 'the previous revision ran fine');
      return step
        ? [step, notify(input, `Rolled back: ${summary}`)]
        : [notify(input, summary), monitor(input, show(culprit))];
    }
    case 'missing-config': {
      const step = rollback(input, `its pods no longer need ${show(culprit)}`);
      return step
        ? [
            step,
            notify(
              input,
              `Rolled back: ${summary}. Create ${show(
                culprit,
              )} before releasing again.`,
            ),
          ]
        : [
            notify(
              input,
              `Create ${show(culprit)} or remove the reference: ${summary}`,
            ),
          ];
    }
    case 'probe-misconfig': {
      const step = rollback(
        input,
        'its probes check what the app serves again',
      );
      return step
        ? [step, notify(input, `Rolled back: ${summary}`)]
        : [
            notify(input, `Fix the probe: ${summary}`),
            monitor(input, show(culprit)),
          ];
    }
    case 'memory-limit':
      return [
        setMemory(input, false),
        notify(input, `Raised the memory limit: ${summary}`),
      ];
    case 'memory-leak': {
      const workload = workloadOf(input);
      return [
        workload
          ? {
              action: 'restart-workload',
              target: workload,
              params: {},
              risk: 'low',
              expectedEffect: `Fresh pods of ${workload.name} start with a small working set; the leak starts over.`,
              verification: `${workload.name} is Ready with restarted pods; no OOM kill in the next 10 minutes.`,
              inverse:
                'None needed (a rolling restart keeps the same revision).',
            }
          : undefined,
        setMemory(input, true),
        notify(input, `Memory leak: ${summary}`),
      ];
    }
    case 'cpu-saturation': {
      const step = setCpu(input);
      const workload = workloadOf(input);
      const replicas = input.signals
        .map(s => numberField(s, 'replicas'))
        .find(x => x !== undefined);
      return [
        step ??
          (workload && replicas
            ? {
                action: 'scale-workload',
                target: workload,
                params: { replicas: Math.ceil(replicas * 1.5) },
                risk: 'medium',
                expectedEffect: `${workload.name} runs ${Math.ceil(
                  replicas * 1.5,
                )} replicas to spread the CPU load.`,
                verification: 'Throttling and latency return to normal.',
                inverse: `Scale ${workload.name} back to ${replicas} replicas.`,
              }
            : undefined),
        notify(input, `CPU saturation: ${summary}`),
      ];
    }
    case 'traffic-surge':
      return [
        setAutoscaler(input),
        notify(input, `Raised the autoscaler maximum: ${summary}`),
      ];
    case 'node-failure':
      return culprit?.kind === 'Node'
        ? [
            nodeStep('drain-node', culprit),
            nodeStep('cordon-node', culprit),
            notify(input, `Node failure: ${summary}`),
          ]
        : [notify(input, summary)];
    case 'node-pressure':
      return culprit?.kind === 'Node'
        ? [
            nodeStep('cordon-node', culprit),
            nodeStep('drain-node', culprit),
            notify(input, `Node pressure: ${summary}`),
          ]
        : [notify(input, summary)];
    case 'bad-config': {
      const change = input.changes.find(c => c.kind === 'config');
      if (culprit?.kind === 'ConfigMap' && change) {
        return [
          {
            action: 'revert-config',
            target: culprit,
            params: {
              configMap: culprit.name,
              ...(change.revision ? { fromVersion: change.revision } : {}),
              keys: change.diff
                .map(d => d.path.replace(/^data\./, ''))
                .join(','),
            },
            risk: 'medium',
            expectedEffect: `${culprit.name} returns to its version before "${change.summary}"; workloads that read it at start are restarted to pick it up.`,
            verification:
              'The readers of the ConfigMap are Ready and their signals resolve.',
            inverse: `Re-apply the reverted change to ${culprit.name}.`,
          },
          notify(input, `Reverted config: ${summary}`),
        ];
      }
      const step = rollback(input, 'the previous configuration worked');
      return step
        ? [step, notify(input, `Rolled back: ${summary}`)]
        : [notify(input, summary), monitor(input, show(culprit))];
    }
    case 'storage': {
      const full = input.signals.find(s => s.detector === 'pvc-filling');
      const capacity = full && numberField(full, 'capacityBytes');
      if (full && culprit && capacity) {
        const size = `${Math.ceil((capacity * 2) / 1024 ** 3)}Gi`;
        return [
          {
            action: 'expand-volume',
            target: culprit,
            params: {
              size,
              previousSize: `${Math.round(capacity / 1024 ** 3)}Gi`,
            },
            risk: 'medium',
            expectedEffect: `${culprit.name} grows to ${size}.`,
            verification: `${culprit.name} is below 80% full.`,
            inverse: 'Volumes cannot shrink; none.',
          },
          notify(input, summary),
        ];
      }
      return [notify(input, summary), monitor(input, show(culprit))];
    }
    case 'job-failure':
      return culprit?.kind === 'CronJob'
        ? [
            {
              action: 'suspend-cronjob',
              target: culprit,
              params: {},
              risk: 'low',
              expectedEffect: `${culprit.name} starts no new failing runs until it is fixed.`,
              verification: `${culprit.name} is suspended and no new Job fails.`,
              inverse: `Resume ${culprit.name}.`,
            },
            notify(input, `Suspended the failing CronJob: ${summary}`),
          ]
        : [notify(input, summary)];
    case 'quota-exceeded': {
      // Refused since a revision raised what the pods ask for: undo it.
      const step = input.changes.some(c => c.kind === 'workload-revision')
        ? rollback(input, 'its pods fit the quota and limits again')
        : undefined;
      return step
        ? [step, notify(input, `Rolled back: ${summary}`)]
        : [notify(input, summary), monitor(input, show(culprit))];
    }
    case 'dependency-failure':
    case 'insufficient-capacity':
    case 'credential':
    case 'network':
      return [notify(input, summary), monitor(input, show(culprit))];
    case 'external':
      return [notify(input, summary), monitor(input, 'the error rate')];
    default:
      return [monitor(input, show(culprit))];
  }
}
