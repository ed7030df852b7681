/**
 * Server-side printing: `meta.k8s.io/v1 Table` responses for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what kubectl get
 * asks for), with the columns the real server prints.
 */
import { ResourceType } from './resources';
import { formatLabelSelector, LabelSelector } from './selectors';
import { KubeObject } from './types';
import { humanAge } from './util';

type Obj = Record<string, any>;

interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'date';
  format?: string;
  priority?: number;
  cell: (o: Obj, now: number) => string | number;
}

const age = (o: Obj, now: number) => {
  const t = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? '<unknown>' : humanAge(now - t);
};
const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  cell: o => o.metadata?.name ?? '',
};
const AGE: Column = { name: 'Age', type: 'string', cell: age };
const n = (v: unknown) => (typeof v === 'number' ? v : 0);

function podStatus(pod: Obj): string {
  const status = pod.status ?? {};
  let reason: string = status.reason || status.phase || 'Pending';
  const initStatuses: Obj[] = status.initContainerStatuses ?? [];
  const initCount = (pod.spec?.initContainers ?? []).length;
  let initializing = false;
  initStatuses.forEach((c, i) => {
    if (initializing) return;
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) return;
    if (c.started && c.ready) return;
    if (term) {
      if (term.reason) reason = `Init:${term.reason}`;
      else if (term.signal) reason = `Init:Signal:${term.signal}`;
      else reason = `Init:ExitCode:${term.exitCode}`;
    } else if (wait?.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
  });
  if (!initializing) {
    let hasRunning = false;
    const statuses: Obj[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) {
        reason = c.state.terminated.signal
          ? `Signal:${c.state.terminated.signal}`
          : `ExitCode:${c.state.terminated.exitCode}`;
      } else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (status.conditions ?? []).some(
        (c: Obj) => c.type === 'Ready' && c.status === 'True',
      );
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp) {
    reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  }
  return reason;
}

function podReady(pod: Obj): string {
  const statuses: Obj[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  return `${statuses.filter(c => c.ready).length}/${total}`;
}

function podRestarts(pod: Obj, now: number): string | number {
  const statuses: Obj[] = pod.status?.containerStatuses ?? [];
  let restarts = 0;
  let last = 0;
  for (const c of statuses) {
    restarts += n(c.restartCount);
    const t = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && t > last) last = t;
  }
  return last && restarts
    ? `${restarts} (${humanAge(now - last)} ago)`
    : restarts;
}

function nodeStatus(node: Obj): string {
  const ready = (node.status?.conditions ?? []).find(
    (c: Obj) => c.type === 'Ready',
  );
  let state = 'Unknown';
  if (ready) state = ready.status === 'True' ? 'Ready' : 'NotReady';
  const parts = [state];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: Obj): string {
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter(l => l.startsWith('node-role.kubernetes.io/'))
    .map(l => l.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.join(',') : '<none>';
}

function servicePorts(svc: Obj): string {
  const ports: Obj[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports
    .map(p =>
      p.nodePort
        ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}`
        : `${p.port}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function eventObject(e: Obj): string {
  const io = e.involvedObject ?? e.regarding ?? {};
  return `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`;
}

function eventLastSeen(e: Obj, now: number): string {
  const t = Date.parse(
    e.lastTimestamp ?? e.deprecatedLastTimestamp ?? e.eventTime ?? '',
  );
  return Number.isNaN(t) ? '<unknown>' : humanAge(now - t);
}

const s = (name: string, cell: Column['cell'], priority = 0): Column => ({
  name,
  type: 'string',
  cell,
  priority,
});
const i = (name: string, cell: Column['cell']): Column => ({
  name,
  type: 'integer',
  cell,
});

const images = (o: Obj) =>
  (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image).join(',');
const containers = (o: Obj) =>
  (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.name).join(',');
const selector = (o: Obj) =>
  formatLabelSelector(o.spec?.selector as LabelSelector) || '<none>';

const COLUMNS: Record<string, Column[]> = {
  pods: [
    NAME,
    s('Ready', podReady),
    s('Status', podStatus),
    s('Restarts', podRestarts),
    AGE,
    s('IP', o => o.status?.podIP ?? '<none>', 1),
    s('Node', o => o.spec?.nodeName ?? '<none>', 1),
  ],
  'apps/deployments': [
    NAME,
    s('Ready', o => `${n(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`),
    i('Up-to-date', o => n(o.status?.updatedReplicas)),
    i('Available', o => n(o.status?.availableReplicas)),
    AGE,
    s('Containers', containers, 1),
    s('Images', images, 1),
    s('Selector', selector, 1),
  ],
  'apps/replicasets': [
    NAME,
    i('Desired', o => o.spec?.replicas ?? 1),
    i('Current', o => n(o.status?.replicas)),
    i('Ready', o => n(o.status?.readyReplicas)),
    AGE,
  ],
  'apps/statefulsets': [
    NAME,
    s('Ready', o => `${n(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`),
    AGE,
  ],
  'apps/daemonsets': [
    NAME,
    i('Desired', o => n(o.status?.desiredNumberScheduled)),
    i('Current', o => n(o.status?.currentNumberScheduled)),
    i('Ready', o => n(o.status?.numberReady)),
    i('Up-to-date', o => n(o.status?.updatedNumberScheduled)),
    i('Available', o => n(o.status?.numberAvailable)),
    AGE,
  ],
  nodes: [
    NAME,
    s('Status', nodeStatus),
    s('Roles', nodeRoles),
    AGE,
    s('Version', o => o.status?.nodeInfo?.kubeletVersion ?? ''),
  ],
  namespaces: [NAME, s('Status', o => o.status?.phase ?? 'Active'), AGE],
  services: [
    NAME,
    s('Type', o => o.spec?.type ?? 'ClusterIP'),
    s('Cluster-IP', o => o.spec?.clusterIP ?? '<none>'),
    s(
      'External-IP',
      o =>
        (o.status?.loadBalancer?.ingress ?? [])
          .map((x: Obj) => x.ip ?? x.hostname)
          .join(',') || '<none>',
    ),
    s('Port(s)', servicePorts),
    AGE,
  ],
  events: [
    s('Last Seen', eventLastSeen),
    s('Type', o => o.type ?? ''),
    s('Reason', o => o.reason ?? ''),
    s('Object', eventObject),
    s('Message', o => o.message ?? o.note ?? ''),
  ],
  configmaps: [
    NAME,
    i(
      'Data',
      o =>
        Object.keys(o.data ?? {}).length +
        Object.keys(o.binaryData ?? {}).length,
    ),
    AGE,
  ],
  secrets: [
    NAME,
    s('Type', o => o.type ?? 'Opaque'),
    i('Data', o => Object.keys(o.data ?? {}).length),
    AGE,
  ],
  'batch/jobs': [
    NAME,
    s('Status', o => {
      const c = (o.status?.conditions ?? []).find(
        (x: Obj) =>
          (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
      );
      return c ? c.type : 'Running';
    }),
    s(
      'Completions',
      o => `${n(o.status?.succeeded)}/${o.spec?.completions ?? 1}`,
    ),
    AGE,
  ],
  'batch/cronjobs': [
    NAME,
    s('Schedule', o => o.spec?.schedule ?? ''),
    s('Suspend', o => String(!!o.spec?.suspend)),
    i('Active', o => (o.status?.active ?? []).length),
    s('Last Schedule', (o, now) => {
      const t = Date.parse(o.status?.lastScheduleTime ?? '');
      return Number.isNaN(t) ? '<none>' : humanAge(now - t);
    }),
    AGE,
  ],
  'autoscaling/horizontalpodautoscalers': [
    NAME,
    s(
      'Reference',
      o => `${o.spec?.scaleTargetRef?.kind}/${o.spec?.scaleTargetRef?.name}`,
    ),
    s('Targets', o => {
      const cur = (o.status?.currentMetrics ?? []).find(
        (m: Obj) => m.resource?.name === 'cpu',
      );
      const target = (o.spec?.metrics ?? []).find(
        (m: Obj) => m.resource?.name === 'cpu',
      );
      const c = cur?.resource?.current?.averageUtilization;
      const t = target?.resource?.target?.averageUtilization;
      if (t === undefined) return '<none>';
      return `cpu: ${c === undefined ? '<unknown>' : `${c}%`}/${t}%`;
    }),
    i('MinPods', o => o.spec?.minReplicas ?? 1),
    i('MaxPods', o => o.spec?.maxReplicas ?? 0),
    i('Replicas', o => n(o.status?.currentReplicas)),
    AGE,
  ],
  persistentvolumeclaims: [
    NAME,
    s('Status', o => o.status?.phase ?? 'Pending'),
    s('Volume', o => o.spec?.volumeName ?? ''),
    s('Capacity', o => o.status?.capacity?.storage ?? ''),
    s('StorageClass', o => o.spec?.storageClassName ?? '<unset>'),
    AGE,
  ],
  'policy/poddisruptionbudgets': [
    NAME,
    s('Min Available', o => String(o.spec?.minAvailable ?? 'N/A')),
    s('Max Unavailable', o => String(o.spec?.maxUnavailable ?? 'N/A')),
    i('Allowed Disruptions', o => n(o.status?.disruptionsAllowed)),
    AGE,
  ],
};

export function columnsFor(type: ResourceType): Column[] {
  return COLUMNS[type.storage] ?? [NAME, AGE];
}

export interface TableOptions {
  /** `Object` includes the full object in each row; default metadata. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function toTableRow(
  obj: KubeObject,
  columns: Column[],
  now: number,
  includeObject: TableOptions['includeObject'],
): Obj {
  const row: Obj = { cells: columns.map(c => c.cell(obj as Obj, now)) };
  if (includeObject === 'Object') row.object = obj;
  else if (includeObject !== 'None') {
    row.object = {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: obj.metadata,
    };
  }
  return row;
}

export function toTable(
  type: ResourceType,
  items: KubeObject[],
  now: number,
  options: TableOptions = {},
): Obj {
  const columns = columnsFor(type);
  const metadata: Obj = {};
  if (options.resourceVersion)
    metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) {
    metadata.remainingItemCount = options.remainingItemCount;
  }
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: columns.map(c => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: items.map(o => toTableRow(o, columns, now, options.includeObject)),
  };
}
