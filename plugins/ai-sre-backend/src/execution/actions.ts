/**
 * One handler per allow-listed action: it turns a plan step (parameters
 * from the evidence) into the exact API operations that carry it out,
 * reading what it needs from the cluster. Handlers never apply anything:
 * the executor dry-runs, snapshots, applies and records the operations.
 */
import type {
  PlanStep,
  RemediationAction,
} from '@internal/plugin-ai-sre-common';
import { formatObjectRef } from '@internal/plugin-ai-sre-common';
import type { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import type { ClusterOps } from './ClusterOps';

/** Which object an operation touches. */
export interface ObjectHeader {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type Operation =
  | {
      type: 'patch';
      object: ObjectHeader;
      patch: object;
      strategy: PatchStrategy;
      summary: string;
    }
  | { type: 'evict'; object: ObjectHeader; summary: string }
  | { type: 'delete'; object: ObjectHeader; summary: string };

/**
 * A plan step whose action is an extension action (registered through
 * `aiSreActionsExtensionPoint`, e.g. `toggle-feature-flag`, `helm-rollback`,
 * `run-runbook-job`) rather than one of the allow-listed
 * `RemediationAction`s. The planner proposes built-in actions only; such
 * steps come from adopters' code and people adjusting plans.
 */
export type ExtensionPlanStep = Omit<PlanStep, 'action'> & { action: string };

/** A plan step that cannot be carried out as given (bad parameters, missing object). */
export class PlanStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanStepError';
  }
}

export interface ActionHandler {
  action: RemediationAction;
  /** True when the action changes nothing in the cluster (notify, monitor). */
  readOnly?: boolean;
  /** Whether the change rolls out new pods (gets a canary and a rollout wait). */
  rollsOutPods?: boolean;
  prepare(step: PlanStep, ops: ClusterOps): Promise<Operation[]>;
}

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  CronJob: 'batch/v1',
  Job: 'batch/v1',
  PersistentVolumeClaim: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  Node: 'v1',
  Pod: 'v1',
};

const MERGE_PATCH = 'application/merge-patch+json' as PatchStrategy;
const STRATEGIC = 'application/strategic-merge-patch+json' as PatchStrategy;

function target(step: PlanStep, kinds: string[]): ObjectHeader {
  const t = step.target;
  if (!t) {
    throw new PlanStepError(`${step.action} needs a target object`);
  }
  if (!kinds.includes(t.kind)) {
    throw new PlanStepError(
      `${step.action} applies to ${kinds.join(' or ')}, not ${
        t.kind
      } (${formatObjectRef(t)})`,
    );
  }
  return {
    apiVersion: API_VERSIONS[t.kind],
    kind: t.kind,
    ...(t.namespace ? { namespace: t.namespace } : {}),
    name: t.name,
  };
}

function param(
  step: PlanStep,
  key: string,
): string | number | boolean | undefined {
  return step.params[key];
}

function requiredString(step: PlanStep, key: string, pattern?: RegExp): string {
  const value = param(step, key);
  if (
    typeof value !== 'string' ||
    !value ||
    (pattern && !pattern.test(value))
  ) {
    throw new PlanStepError(
      `${step.action}: parameter ${key} must be ${
        pattern ? `a string matching ${pattern}` : 'a non-empty string'
      }, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function requiredInt(
  step: PlanStep,
  key: string,
  min: number,
  max: number,
): number {
  const value = Number(param(step, key));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PlanStepError(
      `${
        step.action
      }: parameter ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(
        param(step, key),
      )}`,
    );
  }
  return value;
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const REVISION = 'deployment.kubernetes.io/revision';

/** The pod template of a workload revision, as `kubectl rollout undo` restores it. */
async function templateOfRevision(
  ops: ClusterOps,
  workload: ObjectHeader,
  revision: number | undefined,
): Promise<{ template: Record<string, any>; revision: number }> {
  const current = await ops.read(workload);
  const uid = current.metadata?.uid;
  const owned = (o: KubernetesObject) =>
    (o.metadata?.ownerReferences ?? []).some(r => r.uid === uid);
  let candidates: Array<{ revision: number; template: Record<string, any> }>;
  if (workload.kind === 'Deployment') {
    const sets = await ops.list('apps/v1', 'ReplicaSet', workload.namespace);
    candidates = sets.filter(owned).map(rs => {
      const template = structuredClone((rs as any).spec?.template ?? {});
      if (template.metadata?.labels) {
        delete template.metadata.labels['pod-template-hash'];
      }
      return {
        revision: Number(rs.metadata?.annotations?.[REVISION]),
        template,
      };
    });
  } else {
    const revisions = await ops.list(
      'apps/v1',
      'ControllerRevision',
      workload.namespace,
    );
    candidates = revisions.filter(owned).map(cr => ({
      revision: Number((cr as any).revision),
      template: structuredClone((cr as any).data?.spec?.template ?? {}),
    }));
  }
  candidates = candidates.filter(c => Number.isFinite(c.revision));
  const newest = Math.max(0, ...candidates.map(c => c.revision));
  const wanted =
    revision ??
    Math.max(0, ...candidates.map(c => c.revision).filter(r => r < newest));
  const found = candidates.find(c => c.revision === wanted);
  if (!found || !Object.keys(found.template).length) {
    throw new PlanStepError(
      `${formatObjectRef(
        workload,
      )} has no revision ${wanted} to roll back to (it has ${
        candidates
          .map(c => c.revision)
          .sort((a, b) => a - b)
          .join(', ') || 'none'
      })`,
    );
  }
  return found;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

export const actionHandlers: ActionHandler[] = [
  {
    action: 'rollback-deployment',
    rollsOutPods: true,
    async prepare(step, ops) {
      const workload = target(step, WORKLOADS);
      const revision =
        param(step, 'revision') === undefined
          ? undefined
          : requiredInt(step, 'revision', 1, 1_000_000);
      const found = await templateOfRevision(ops, workload, revision);
      return [
        {
          type: 'patch',
          object: workload,
          // The whole template is replaced, as `kubectl rollout undo` does.
          patch: {
            spec: { template: { $patch: 'replace', ...found.template } },
          },
          strategy: STRATEGIC,
          summary: `Roll ${formatObjectRef(
            workload,
          )} back to the pod template of revision ${found.revision}`,
        },
      ];
    },
  },
  {
    action: 'restart-workload',
    rollsOutPods: true,
    async prepare(step, ops) {
      const workload = target(step, WORKLOADS);
      return [
        {
          type: 'patch',
          object: workload,
          patch: {
            spec: {
              template: {
                metadata: {
                  annotations: {
                    'kubectl.kubernetes.io/restartedAt': new Date(
                      ops.now(),
                    ).toISOString(),
                  },
                },
              },
            },
          },
          strategy: STRATEGIC,
          summary: `Restart the pods of ${formatObjectRef(workload)} (rolling)`,
        },
      ];
    },
  },
  {
    action: 'scale-workload',
    async prepare(step) {
      const workload = target(step, ['Deployment', 'StatefulSet']);
      const replicas = requiredInt(step, 'replicas', 0, 1000);
      return [
        {
          type: 'patch',
          object: workload,
          patch: { spec: { replicas } },
          strategy: MERGE_PATCH,
          summary: `Scale ${formatObjectRef(workload)} to ${replicas} replicas`,
        },
      ];
    },
  },
  {
    action: 'set-resources',
    rollsOutPods: true,
    async prepare(step, ops) {
      const workload = target(step, WORKLOADS);
      const container = requiredString(step, 'container');
      const limits: Record<string, string> = {};
      for (const [key, resource] of [
        ['memoryLimit', 'memory'],
        ['cpuLimit', 'cpu'],
      ] as const) {
        if (param(step, key) !== undefined) {
          limits[resource] = requiredString(step, key, QUANTITY);
        }
      }
      if (!Object.keys(limits).length) {
        throw new PlanStepError('set-resources needs memoryLimit or cpuLimit');
      }
      const current = await ops.read(workload);
      const containers: any[] =
        (current as any).spec?.template?.spec?.containers ?? [];
      if (!containers.some(c => c.name === container)) {
        throw new PlanStepError(
          `${formatObjectRef(
            workload,
          )} has no container ${container} (it has ${containers
            .map(c => c.name)
            .join(', ')})`,
        );
      }
      return [
        {
          type: 'patch',
          object: workload,
          patch: {
            spec: {
              template: {
                spec: {
                  containers: [{ name: container, resources: { limits } }],
                },
              },
            },
          },
          strategy: STRATEGIC,
          summary: `Set the limits of container ${container} of ${formatObjectRef(
            workload,
          )} to ${Object.entries(limits)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        },
      ];
    },
  },
  {
    action: 'set-autoscaler',
    async prepare(step) {
      const hpa = target(step, ['HorizontalPodAutoscaler']);
      const spec: Record<string, number> = {
        maxReplicas: requiredInt(step, 'maxReplicas', 1, 1000),
      };
      if (param(step, 'minReplicas') !== undefined) {
        spec.minReplicas = requiredInt(
          step,
          'minReplicas',
          1,
          spec.maxReplicas,
        );
      }
      return [
        {
          type: 'patch',
          object: hpa,
          patch: { spec },
          strategy: MERGE_PATCH,
          summary: `Set the bounds of ${formatObjectRef(
            hpa,
          )} to ${Object.entries(spec)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        },
      ];
    },
  },
  {
    action: 'revert-config',
    async prepare(step, ops) {
      const object = target(step, ['ConfigMap', 'Service']);
      const previous = await ops.lastVersionBefore(object);
      if (!previous) {
        throw new PlanStepError(
          `No earlier version of ${formatObjectRef(
            object,
          )} was recorded to revert to`,
        );
      }
      const patch =
        object.kind === 'ConfigMap'
          ? {
              data: previous.data ?? null,
              binaryData: previous.binaryData ?? null,
            }
          : {
              spec: {
                selector: previous.spec?.selector,
                ports: previous.spec?.ports,
              },
            };
      return [
        {
          type: 'patch',
          object,
          patch,
          strategy: MERGE_PATCH,
          summary: `Revert ${formatObjectRef(object)} to its version of ${
            previous.at
          }`,
        },
      ];
    },
  },
  {
    action: 'cordon-node',
    async prepare(step) {
      const node = target(step, ['Node']);
      return [
        {
          type: 'patch',
          object: node,
          patch: { spec: { unschedulable: true } },
          strategy: MERGE_PATCH,
          summary: `Cordon node ${node.name}`,
        },
      ];
    },
  },
  {
    action: 'drain-node',
    async prepare(step, ops) {
      const node = target(step, ['Node']);
      const pods = await ops.list(
        'v1',
        'Pod',
        undefined,
        `spec.nodeName=${node.name}`,
      );
      const evictable = pods.filter(pod => {
        const owners = pod.metadata?.ownerReferences ?? [];
        // DaemonSet pods come back on the same node; mirror pods cannot be evicted.
        return (
          !owners.some(o => o.kind === 'DaemonSet') &&
          !pod.metadata?.annotations?.['kubernetes.io/config.mirror'] &&
          !['Succeeded', 'Failed'].includes((pod as any).status?.phase)
        );
      });
      return [
        {
          type: 'patch',
          object: node,
          patch: { spec: { unschedulable: true } },
          strategy: MERGE_PATCH,
          summary: `Cordon node ${node.name}`,
        },
        ...evictable.map(
          (pod): Operation => ({
            type: 'evict',
            object: {
              apiVersion: 'v1',
              kind: 'Pod',
              namespace: pod.metadata!.namespace,
              name: pod.metadata!.name!,
            },
            summary: `Evict pod ${pod.metadata!.namespace}/${
              pod.metadata!.name
            } (PodDisruptionBudgets respected)`,
          }),
        ),
      ];
    },
  },
  {
    action: 'delete-pod',
    async prepare(step) {
      const pod = target(step, ['Pod']);
      return [
        {
          type: 'delete',
          object: pod,
          summary: `Delete pod ${pod.namespace}/${pod.name} (its controller replaces it)`,
        },
      ];
    },
  },
  {
    action: 'suspend-cronjob',
    async prepare(step) {
      const cronJob = target(step, ['CronJob']);
      return [
        {
          type: 'patch',
          object: cronJob,
          patch: { spec: { suspend: true } },
          strategy: MERGE_PATCH,
          summary: `Suspend ${formatObjectRef(cronJob)}`,
        },
      ];
    },
  },
  {
    action: 'expand-volume',
    async prepare(step) {
      const claim = target(step, ['PersistentVolumeClaim']);
      const size = requiredString(step, 'size', QUANTITY);
      return [
        {
          type: 'patch',
          object: claim,
          patch: { spec: { resources: { requests: { storage: size } } } },
          strategy: MERGE_PATCH,
          summary: `Expand ${formatObjectRef(claim)} to ${size}`,
        },
      ];
    },
  },
  { action: 'notify-owner', readOnly: true, prepare: async () => [] },
  { action: 'monitor', readOnly: true, prepare: async () => [] },
];

export function handlerFor(action: string): ActionHandler | undefined {
  return actionHandlers.find(h => h.action === action);
}
