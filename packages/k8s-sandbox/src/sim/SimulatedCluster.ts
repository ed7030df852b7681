/**
 * A simulated cluster running one scenario: the object store, the control
 * plane, one kubelet per node, and the scenario's timeline, all on one
 * virtual clock.
 */
import { ObjectStore } from '../api/store';
import type { FieldIssue, KubeObject } from '../api/types';
import { VirtualClock, SCENARIO_EPOCH } from '../clock';
import {
  causeType,
  ObjectRef,
  Scenario,
  ScenarioNode,
  TimelineStep,
  validateManifest,
  VALIDATED_KINDS,
} from '../scenario';
import type { ControlPlane, NodeAgents } from './components';
import type { SimContext } from './context';
import { startControlPlane } from './controllers';
import { EventRecorder, involvedObjectOf } from './events';
import { startNodeAgents } from './kubelet';
import { Overrides } from './overrides';
import { resourceOfKind } from './refs';

/** Kinds whose manifests are validated like the API server does. */
const VALIDATED = new Set(VALIDATED_KINDS);

const NODE_CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
  NetworkUnavailable: 'node.kubernetes.io/network-unavailable',
};

const CONDITION_REASONS: Record<string, [string, string]> = {
  MemoryPressure: [
    'KubeletHasInsufficientMemory',
    'KubeletHasSufficientMemory',
  ],
  DiskPressure: ['KubeletHasDiskPressure', 'KubeletHasNoDiskPressure'],
  PIDPressure: ['KubeletHasInsufficientPID', 'KubeletHasSufficientPID'],
  NetworkUnavailable: ['NoRouteCreated', 'RouteCreated'],
};

export interface SimulatedClusterOptions {
  scenario: Scenario;
  /** Defaults to a fresh virtual clock at the scenario epoch. */
  clock?: VirtualClock;
  /** Watch history kept for resumption; default 10,000 events. */
  historyLimit?: number;
}

/** The store's validator for the kinds SCENARIOS.md lists. */
export function manifestValidator(obj: KubeObject): FieldIssue[] {
  if (!obj.kind || !VALIDATED.has(obj.kind)) {
    return [];
  }
  // Server-managed fields are not the client's to get wrong.
  const { status: _status, ...rest } = obj as KubeObject & {
    status?: unknown;
  };
  const meta = { ...(rest.metadata ?? {}) };
  for (const key of [
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'managedFields',
    'selfLink',
  ]) {
    delete (meta as Record<string, unknown>)[key];
  }
  return validateManifest({ ...rest, metadata: meta }).map(issue => ({
    field: issue.field,
    message: issue.message,
    reason: causeType(issue),
  }));
}

export class SimulatedCluster {
  readonly clock: VirtualClock;
  readonly store: ObjectStore;
  readonly scenario: Scenario;
  readonly events: EventRecorder;
  readonly overrides: Overrides;
  readonly context: SimContext;
  readonly startTime: number;
  private controlPlane?: ControlPlane;
  private agents?: NodeAgents;
  private readonly timers: Array<{ cancel(): void }> = [];
  private started = false;

  constructor(options: SimulatedClusterOptions) {
    this.scenario = options.scenario;
    this.clock = options.clock ?? new VirtualClock({ start: SCENARIO_EPOCH });
    this.startTime = this.clock.now();
    // Deterministic ids and name suffixes: two runs of a scenario give the
    // same objects (PV names, preemption messages, generated names).
    let uids = 0;
    const random = seededRandom(hashString(this.scenario.id));
    this.store = new ObjectStore({
      clock: this.clock,
      historyLimit: options.historyLimit,
      uid: () => deterministicUid(++uids),
      random,
    });
    this.store.setValidator((obj, { operation, oldObject }) =>
      // Validation is for what clients send: status writes and updates that
      // leave everything but metadata and status alone need none.
      operation === 'UPDATE' && oldObject && sameDesiredState(obj, oldObject)
        ? []
        : manifestValidator(obj),
    );
    // As the API server does: a Secret's stringData is merged into data
    // (base64) on write and never stored or served.
    this.store.addAdmissionHook(req => {
      const object = req.object as
        | (KubeObject & {
            stringData?: Record<string, string>;
            data?: Record<string, string>;
          })
        | undefined;
      if (req.resource.kind !== 'Secret' || !object?.stringData) return;
      object.data = { ...(object.data ?? {}) };
      for (const [key, value] of Object.entries(object.stringData)) {
        object.data[key] = Buffer.from(String(value), 'utf8').toString(
          'base64',
        );
      }
      delete object.stringData;
    });
    this.events = new EventRecorder(this.store, this.clock);
    this.overrides = new Overrides(this.scenario.images);
    const agentsRef = () => this.agents;
    this.context = {
      clock: this.clock,
      store: this.store,
      scenario: this.scenario,
      nodes: this.scenario.cluster.nodes,
      overrides: this.overrides,
      events: this.events,
      startTime: this.startTime,
      warmStart: true,
      metrics: {
        podUsage: (namespace, name) => agentsRef()?.podUsage(namespace, name),
      },
    };
  }

  /** The kubelets' logs, metrics API and exposition (after `start`). */
  get nodeAgents(): NodeAgents {
    if (!this.agents) {
      throw new Error('The simulated cluster has not been started');
    }
    return this.agents;
  }

  /**
   * Creates the nodes and the scenario's objects, starts the control plane
   * and kubelets, lets everything settle at t=0 (pods that can be Ready are
   * Ready, warm), and schedules the timeline.
   */
  async start(): Promise<void> {
    if (this.started) {
      throw new Error('The simulated cluster was already started');
    }
    this.started = true;
    for (const name of ['default', 'kube-system', 'kube-public']) {
      this.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
    for (const node of this.scenario.cluster.nodes) {
      this.store.create(nodeObject(node, this.clock.now()));
    }
    this.controlPlane = startControlPlane(this.context);
    this.agents = startNodeAgents(this.context);
    for (const object of this.scenario.cluster.objects) {
      this.applyObject(object);
    }
    await this.clock.advanceBy(0);
    this.context.warmStart = false;

    for (const step of this.scenario.timeline) {
      const handle = this.clock.setTimer(this.startTime + step.at, () =>
        this.runStep(step),
      );
      this.timers.push({ cancel: () => this.clock.clear(handle) });
    }
  }

  /**
   * Plays another scenario into this running cluster: its image behaviours
   * are added, its objects created where missing (existing ones are left as
   * they are), and its timeline runs from now, as `at` offsets from now.
   * Returns the number of timeline steps scheduled.
   */
  inject(other: Scenario): number {
    for (const [image, behaviour] of Object.entries(other.images)) {
      this.overrides.setImage(image, behaviour);
    }
    for (const object of other.cluster.objects) {
      const meta = object.metadata ?? {};
      let exists = false;
      try {
        const resource = resourceOfKind(this.store, object.kind ?? '');
        exists = Boolean(
          this.store.tryGet(
            resource,
            meta.namespace ?? (resource.namespaced ? 'default' : undefined),
            meta.name ?? '',
          ),
        );
      } catch {
        exists = false;
      }
      if (!exists) {
        this.applyObject(object);
      }
    }
    const now = this.clock.now();
    for (const step of other.timeline) {
      const handle = this.clock.setTimer(now + step.at, () =>
        this.runStep(step),
      );
      this.timers.push({ cancel: () => this.clock.clear(handle) });
    }
    return other.timeline.length;
  }

  /** Runs the simulation until `ms` after the scenario start. */
  async runUntil(ms: number): Promise<void> {
    await this.clock.advanceTo(this.startTime + ms);
  }

  /** Simulated time since the start, in ms. */
  elapsed(): number {
    return this.clock.now() - this.startTime;
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) {
      timer.cancel();
    }
    this.controlPlane?.stop();
    this.agents?.stop();
  }

  /** Runs one timeline step now (also used to inject steps into the demo). */
  runStep(step: TimelineStep): void {
    switch (step.kind) {
      case 'apply':
        this.applyObject(step.manifest);
        return;
      case 'delete': {
        const resource = resourceOfKind(this.store, step.target.kind);
        this.store.delete(resource, step.target.namespace, step.target.name);
        return;
      }
      case 'scale': {
        const resource = resourceOfKind(this.store, step.target.kind);
        this.store.patch(
          resource,
          step.target.namespace,
          step.target.name,
          { spec: { replicas: step.replicas } },
          'merge',
        );
        return;
      }
      case 'node':
        this.changeNode(step);
        return;
      case 'traffic':
        this.overrides.setTraffic(step.target.ref, step.multiplier);
        return;
      case 'image':
        this.overrides.setImage(step.ref, step.set);
        return;
      case 'block':
        this.overrides.setBlocked(step.from.ref, step.to.ref, true);
        return;
      case 'unblock':
        this.overrides.setBlocked(step.from.ref, step.to.ref, false);
        return;
      case 'event':
        this.events.record(
          this.involvedObject(step.involvedObject),
          step.type,
          step.reason,
          step.message,
          { component: 'scenario' },
        );
        return;
      case 'log':
        this.overrides.writeLog(step.target.ref, step.lines);
        return;
      case 'status': {
        const resource = resourceOfKind(this.store, step.target.kind);
        this.store.patch(
          resource,
          step.target.namespace,
          step.target.name,
          { status: step.patch },
          'merge',
          { subresource: 'status' },
        );
        return;
      }
      default: {
        const unknown: never = step;
        throw new Error(`Unknown timeline step ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Creates an object, or replaces it (absent fields removed) keeping its
   * status and identity, as a scenario's `apply` does.
   */
  applyObject(manifest: KubeObject): KubeObject {
    const meta = manifest.metadata ?? {};
    let resource;
    try {
      resource = resourceOfKind(this.store, manifest.kind ?? '');
    } catch {
      // A kind the store has not seen yet: creating it registers it.
      return this.store.create(manifest);
    }
    const existing = this.store.tryGet(
      resource,
      meta.namespace ?? (resource.namespaced ? 'default' : undefined),
      meta.name ?? '',
    );
    if (!existing) {
      return this.store.create(manifest);
    }
    const existingMeta = existing.metadata ?? {};
    return this.store.update({
      ...manifest,
      metadata: {
        ...meta,
        namespace: existingMeta.namespace,
        uid: existingMeta.uid,
        creationTimestamp: existingMeta.creationTimestamp,
        resourceVersion: existingMeta.resourceVersion,
        generation: existingMeta.generation,
        ownerReferences: meta.ownerReferences ?? existingMeta.ownerReferences,
        finalizers: meta.finalizers ?? existingMeta.finalizers,
      },
      ...('status' in existing ? { status: existing.status } : {}),
    } as KubeObject);
  }

  private involvedObject(ref: ObjectRef) {
    const resource = resourceOfKind(this.store, ref.kind);
    const object = this.store.tryGet(resource, ref.namespace, ref.name);
    return object
      ? involvedObjectOf(object)
      : {
          kind: ref.kind,
          name: ref.name,
          namespace: ref.namespace,
        };
  }

  private changeNode(step: Extract<TimelineStep, { kind: 'node' }>): void {
    const node = this.store.get('nodes', undefined, step.name);
    const now = new Date(this.clock.now()).toISOString();
    const spec = { ...((node.spec as Record<string, unknown>) ?? {}) };
    let taints = [...((spec.taints as Taint[] | undefined) ?? [])];
    const status = { ...((node.status as Record<string, unknown>) ?? {}) };
    let conditions = [...((status.conditions as Condition[]) ?? [])];

    const setCondition = (
      type: string,
      value: 'True' | 'False' | 'Unknown',
      reason: string,
      message: string,
    ) => {
      const previous = conditions.find(c => c.type === type);
      const changed = previous?.status !== value;
      conditions = [
        ...conditions.filter(c => c.type !== type),
        {
          type,
          status: value,
          reason,
          message,
          lastHeartbeatTime: now,
          lastTransitionTime:
            changed || !previous ? now : previous.lastTransitionTime,
        },
      ];
    };

    if (step.ready !== undefined) {
      if (step.ready) {
        setCondition(
          'Ready',
          'True',
          'KubeletReady',
          'kubelet is posting ready status',
        );
      } else {
        setCondition(
          'Ready',
          'Unknown',
          'NodeStatusUnknown',
          'Kubelet stopped posting node status.',
        );
      }
    }
    for (const [type, value] of Object.entries(step.conditions ?? {})) {
      const [onReason, offReason] = CONDITION_REASONS[type] ?? [type, type];
      setCondition(
        type,
        value ? 'True' : 'False',
        value ? onReason : offReason,
        value
          ? `kubelet has ${type
              .replace(/Pressure$/, '')
              .toLowerCase()} pressure`
          : `kubelet has no ${type
              .replace(/Pressure$/, '')
              .toLowerCase()} pressure`,
      );
      const key = NODE_CONDITION_TAINTS[type];
      taints = taints.filter(t => t.key !== key);
      if (value && key) {
        taints.push({ key, effect: 'NoSchedule', timeAdded: now });
      }
    }
    if (step.cordon !== undefined) {
      const key = 'node.kubernetes.io/unschedulable';
      taints = taints.filter(t => t.key !== key);
      if (step.cordon) {
        taints.push({ key, effect: 'NoSchedule', timeAdded: now });
        spec.unschedulable = true;
      } else {
        delete spec.unschedulable;
      }
    }
    spec.taints = taints;
    if (taints.length === 0) {
      delete spec.taints;
    }
    this.store.update({ ...node, spec });
    const latest = this.store.get('nodes', undefined, step.name);
    this.store.updateStatus({ ...latest, status: { ...status, conditions } });
  }
}

interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

function nodeObject(node: ScenarioNode, now: number): KubeObject {
  const time = new Date(now).toISOString();
  const capacity = {
    cpu: node.capacity.cpu,
    memory: node.capacity.memory,
    pods: node.capacity.pods,
    'ephemeral-storage': '100Gi',
  };
  const condition = (
    type: string,
    status: string,
    reason: string,
    message: string,
  ) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: time,
    lastTransitionTime: time,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: { ...node.labels } },
    spec: node.taints.length
      ? { taints: node.taints.map(t => ({ ...t })) }
      : {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        condition(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        condition(
          'Ready',
          'True',
          'KubeletReady',
          'kubelet is posting ready status',
        ),
      ],
      addresses: [
        { type: 'InternalIP', address: nodeAddress(node.name) },
        { type: 'Hostname', address: node.name },
      ],
      nodeInfo: {
        architecture: node.labels['kubernetes.io/arch'] ?? 'amd64',
        operatingSystem: node.labels['kubernetes.io/os'] ?? 'linux',
        kubeletVersion: 'v1.32.0-sandbox',
        kubeProxyVersion: 'v1.32.0-sandbox',
        containerRuntimeVersion: 'sandbox://1.0',
        osImage: 'AI SRE sandbox',
        kernelVersion: '6.1.0',
        machineID: node.name,
        systemUUID: node.name,
        bootID: node.name,
      },
    },
  };
}

/** Whether two versions differ only in metadata and status. */
function sameDesiredState(a: KubeObject, b: KubeObject): boolean {
  const strip = ({
    metadata: _m,
    status: _s,
    ...rest
  }: KubeObject & { status?: unknown }) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

function hashString(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  }
  return hash;
}

/** mulberry32: a small seeded generator, for reproducible runs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID-shaped id from a counter. */
function deterministicUid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** A stable 10.0.x.y address per node name. */
export function nodeAddress(name: string): string {
  let hash = 0;
  for (const ch of name) {
    hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  }
  return `10.0.${(hash >> 8) & 0xff}.${(hash & 0xfe) + 1}`;
}
