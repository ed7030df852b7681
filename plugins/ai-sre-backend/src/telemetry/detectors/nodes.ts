import type {
  AiSreDetector,
  DetectorFinding,
} from '@internal/plugin-ai-sre-node';
import { eventEvidence, parseTime, refOf } from './util';

const PRESSURE_CONDITIONS = [
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
];

function nodeFields(
  node: Parameters<NonNullable<AiSreDetector['evaluate']>>[0],
) {
  return {
    taints: node.spec?.taints,
    unschedulable: node.spec?.unschedulable ?? false,
    capacity: node.status?.capacity,
  };
}

/** A node that stopped reporting Ready. */
export const nodeNotReadyDetector: AiSreDetector = {
  id: 'node-not-ready',
  title: 'Node not ready',
  description: 'A node stopped reporting Ready (NotReady or unreachable).',
  reads: ['Node'],
  severity: 'critical',
  debounceSeconds: 30,
  resolveSeconds: 30,
  evaluate(node, context) {
    const ready = ((node.status?.conditions ?? []) as any[]).find(
      c => c.type === 'Ready',
    );
    if (!ready || ready.status === 'True') {
      return [];
    }
    const pods = context
      .list('Pod')
      .filter(pod => pod.spec?.nodeName === node.metadata?.name);
    return [
      {
        object: refOf(node),
        reason: ready.status === 'Unknown' ? 'NodeUnreachable' : 'NodeNotReady',
        message: `Node ${node.metadata?.name} is not ready (${
          ready.reason ?? ready.status
        }): ${ready.message ?? ''}`.trim(),
        since: parseTime(ready.lastTransitionTime),
        fields: {
          ...nodeFields(node),
          readyStatus: ready.status,
          readyReason: ready.reason,
          podsOnNode: pods.length,
          pods: pods
            .slice(0, 50)
            .map(pod => `${pod.metadata?.namespace}/${pod.metadata?.name}`),
          // Every workload that ran pods here (the pod list is capped).
          workloads: [
            ...new Set(
              pods.map(pod => {
                const top = context.ownerChain(pod).at(-1);
                return top
                  ? `${top.kind}/${top.namespace ?? pod.metadata?.namespace}/${
                      top.name
                    }`
                  : `Pod/${pod.metadata?.namespace}/${pod.metadata?.name}`;
              }),
            ),
          ].slice(0, 500),
        },
        events: eventEvidence(context, node),
      },
    ];
  },
};

/** Memory, disk or PID pressure on a node (the kubelet evicts under it). */
export const nodePressureDetector: AiSreDetector = {
  id: 'node-pressure',
  title: 'Node under pressure',
  description:
    'A node reports memory, disk or PID pressure (the kubelet evicts pods), or its network is unavailable.',
  reads: ['Node'],
  severity: 'high',
  debounceSeconds: 15,
  resolveSeconds: 60,
  evaluate(node, context) {
    const findings: DetectorFinding[] = [];
    for (const c of (node.status?.conditions ?? []) as any[]) {
      if (!PRESSURE_CONDITIONS.includes(c.type) || c.status !== 'True') {
        continue;
      }
      findings.push({
        object: refOf(node),
        key: c.type,
        reason: c.type,
        message: `Node ${node.metadata?.name} has ${c.type}: ${
          c.message ?? c.reason ?? ''
        }`.trim(),
        since: parseTime(c.lastTransitionTime),
        fields: { ...nodeFields(node), condition: c.type },
        events: eventEvidence(context, node),
      });
    }
    return findings;
  },
};

export const nodeDetectors = [nodeNotReadyDetector, nodePressureDetector];
