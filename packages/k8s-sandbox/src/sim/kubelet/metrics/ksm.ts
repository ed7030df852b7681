/** kube-state-metrics series computed from the objects in the store. */
import type { ObjectStore } from '../../../api/store';
import { Obj } from '../format';
import type { ExpositionWriter } from './writer';
import { sanitizeLabelName } from './writer';
import { parseQuantity } from '../../../scenario';

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function list(store: ObjectStore, resource: string): Obj[] {
  try {
    return store.list(resource).items as Obj[];
  } catch {
    return [];
  }
}

const FAMILIES: Array<[string, 'gauge' | 'counter', string]> = [
  ['kube_pod_info', 'gauge', 'Information about pod.'],
  ['kube_pod_owner', 'gauge', "Information about the Pod's owner."],
  [
    'kube_pod_labels',
    'gauge',
    'Kubernetes labels converted to Prometheus labels.',
  ],
  ['kube_pod_status_phase', 'gauge', 'The pods current phase.'],
  [
    'kube_pod_container_status_restarts_total',
    'counter',
    'The number of container restarts per container.',
  ],
  [
    'kube_pod_container_status_ready',
    'gauge',
    'Describes whether the containers readiness check succeeded.',
  ],
  [
    'kube_pod_container_status_waiting_reason',
    'gauge',
    'Describes the reason the container is currently in waiting state.',
  ],
  [
    'kube_pod_container_status_last_terminated_reason',
    'gauge',
    'Describes the last reason the container was in terminated state.',
  ],
  [
    'kube_pod_container_resource_limits',
    'gauge',
    'The number of requested limit resource by a container.',
  ],
  [
    'kube_pod_container_resource_requests',
    'gauge',
    'The number of requested request resource by a container.',
  ],
  [
    'kube_deployment_spec_replicas',
    'gauge',
    'Number of desired pods for a deployment.',
  ],
  [
    'kube_deployment_status_replicas_available',
    'gauge',
    'The number of available replicas per deployment.',
  ],
  [
    'kube_deployment_status_replicas_unavailable',
    'gauge',
    'The number of unavailable replicas per deployment.',
  ],
  ['kube_node_status_condition', 'gauge', 'The condition of a cluster node.'],
  [
    'kube_horizontalpodautoscaler_status_current_replicas',
    'gauge',
    'Current number of replicas of pods managed by this autoscaler.',
  ],
  [
    'kube_horizontalpodautoscaler_spec_max_replicas',
    'gauge',
    'Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.',
  ],
  [
    'kube_job_status_failed',
    'gauge',
    'The number of pods which reached Phase Failed and the reason for failure.',
  ],
  [
    'kube_persistentvolumeclaim_status_phase',
    'gauge',
    'The phase the persistent volume claim is currently in.',
  ],
];

function writeContainers(w: ExpositionWriter, pod: Obj, base: Obj) {
  const statuses: Obj[] = pod.status?.containerStatuses ?? [];
  for (const s of statuses) {
    const labels = { ...base, container: s.name };
    w.sample(
      'kube_pod_container_status_restarts_total',
      labels,
      s.restartCount ?? 0,
    );
    w.sample('kube_pod_container_status_ready', labels, s.ready ? 1 : 0);
    const waiting = s.state?.waiting?.reason;
    if (waiting) {
      w.sample(
        'kube_pod_container_status_waiting_reason',
        { ...labels, reason: waiting },
        1,
      );
    }
    const last = s.lastState?.terminated?.reason;
    if (last) {
      w.sample(
        'kube_pod_container_status_last_terminated_reason',
        { ...labels, reason: last },
        1,
      );
    }
  }
  for (const c of pod.spec?.containers ?? []) {
    for (const kind of ['limits', 'requests']) {
      for (const [resource, raw] of Object.entries(c.resources?.[kind] ?? {})) {
        let value: number;
        try {
          value = parseQuantity(raw);
        } catch {
          continue;
        }
        const unit = resource === 'cpu' ? 'core' : 'byte';
        w.sample(
          `kube_pod_container_resource_${kind}`,
          {
            ...base,
            container: c.name,
            node: pod.spec?.nodeName,
            resource,
            unit,
          },
          value,
        );
      }
    }
  }
}

function writePod(w: ExpositionWriter, pod: Obj) {
  const meta = pod.metadata ?? {};
  const base = { namespace: meta.namespace, pod: meta.name, uid: meta.uid };
  const owner = (meta.ownerReferences ?? []).find((o: Obj) => o.controller);
  w.sample(
    'kube_pod_info',
    {
      ...base,
      host_ip: pod.status?.hostIP ?? '',
      pod_ip: pod.status?.podIP ?? '',
      node: pod.spec?.nodeName ?? '',
      created_by_kind: owner?.kind ?? '<none>',
      created_by_name: owner?.name ?? '<none>',
      priority_class: pod.spec?.priorityClassName ?? '',
      host_network: pod.spec?.hostNetwork ? 'true' : 'false',
    },
    1,
  );
  w.sample(
    'kube_pod_owner',
    {
      ...base,
      owner_kind: owner?.kind ?? '<none>',
      owner_name: owner?.name ?? '<none>',
      owner_is_controller: owner ? 'true' : '<none>',
    },
    1,
  );
  const labels: Obj = { ...base };
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    labels[`label_${sanitizeLabelName(k)}`] = v;
  }
  w.sample('kube_pod_labels', labels, 1);
  const phase = pod.status?.phase ?? 'Pending';
  for (const p of PHASES) {
    w.sample(
      'kube_pod_status_phase',
      { ...base, phase: p },
      p === phase ? 1 : 0,
    );
  }
  writeContainers(w, pod, base);
}

function writeWorkloads(store: ObjectStore, w: ExpositionWriter) {
  for (const d of list(store, 'apps/deployments')) {
    const base = {
      namespace: d.metadata?.namespace,
      deployment: d.metadata?.name,
    };
    w.sample('kube_deployment_spec_replicas', base, d.spec?.replicas ?? 1);
    w.sample(
      'kube_deployment_status_replicas_available',
      base,
      d.status?.availableReplicas ?? 0,
    );
    w.sample(
      'kube_deployment_status_replicas_unavailable',
      base,
      d.status?.unavailableReplicas ?? 0,
    );
  }
  for (const h of list(store, 'autoscaling/horizontalpodautoscalers')) {
    const base = {
      namespace: h.metadata?.namespace,
      horizontalpodautoscaler: h.metadata?.name,
    };
    w.sample(
      'kube_horizontalpodautoscaler_status_current_replicas',
      base,
      h.status?.currentReplicas ?? 0,
    );
    w.sample(
      'kube_horizontalpodautoscaler_spec_max_replicas',
      base,
      h.spec?.maxReplicas ?? 0,
    );
  }
  for (const j of list(store, 'batch/jobs')) {
    const base = {
      namespace: j.metadata?.namespace,
      job_name: j.metadata?.name,
    };
    w.sample('kube_job_status_failed', base, j.status?.failed ?? 0);
  }
  for (const c of list(store, 'persistentvolumeclaims')) {
    const base = {
      namespace: c.metadata?.namespace,
      persistentvolumeclaim: c.metadata?.name,
    };
    const phase = c.status?.phase ?? 'Pending';
    for (const p of ['Lost', 'Bound', 'Pending']) {
      w.sample(
        'kube_persistentvolumeclaim_status_phase',
        { ...base, phase: p },
        p === phase ? 1 : 0,
      );
    }
  }
}

function writeNodes(store: ObjectStore, w: ExpositionWriter) {
  for (const n of list(store, 'nodes')) {
    for (const c of n.status?.conditions ?? []) {
      for (const status of ['true', 'false', 'unknown']) {
        w.sample(
          'kube_node_status_condition',
          {
            node: n.metadata?.name,
            condition: c.type,
            status,
          },
          String(c.status).toLowerCase() === status ? 1 : 0,
        );
      }
    }
  }
}

export function writeKubeStateMetrics(store: ObjectStore, w: ExpositionWriter) {
  for (const [name, type, help] of FAMILIES) {
    w.family(name, type, help);
  }
  for (const pod of list(store, 'pods')) {
    writePod(w, pod);
  }
  writeWorkloads(store, w);
  writeNodes(store, w);
}
