/**
 * A small harness for the kubelet tests: store, virtual clock, events and
 * overrides with the node agents, without the control plane. Nodes and pods
 * are created directly (pods with spec.nodeName set).
 */
import { ObjectStore } from '../../api/store';
import type { KubeObject } from '../../api/types';
import { SCENARIO_EPOCH, VirtualClock } from '../../clock';
import { parseScenario, Scenario } from '../../scenario';
import type { SimContext } from '../context';
import { EventRecorder } from '../events';
import { Overrides } from '../overrides';
import { Kubelets } from './agents';
import type { Obj } from './format';

export interface HarnessOptions {
  /** `images:` of a scenario, as YAML (parsed with the scenario loader). */
  imagesYaml?: string;
  nodes?: Array<{ name: string; cpu?: string; memory?: string }>;
}

let uidSeq = 0;

export class Harness {
  readonly clock = new VirtualClock({ start: SCENARIO_EPOCH });
  readonly store = new ObjectStore({
    clock: this.clock,
    uid: () => `uid-${++uidSeq}`,
    random: () => 0.5,
  });
  readonly events = new EventRecorder(this.store, this.clock);
  readonly scenario: Scenario;
  readonly overrides: Overrides;
  readonly ctx: SimContext;
  readonly agents: Kubelets;

  constructor(options: HarnessOptions = {}) {
    this.scenario = parseScenario(
      `version: 1\nid: harness\ntitle: harness\n${
        options.imagesYaml ? `images:\n${options.imagesYaml}` : ''
      }`,
      'inline.yaml',
    );
    this.overrides = new Overrides(this.scenario.images);
    this.ctx = {
      clock: this.clock,
      store: this.store,
      scenario: this.scenario,
      nodes: this.scenario.cluster.nodes,
      overrides: this.overrides,
      events: this.events,
      startTime: this.clock.now(),
      warmStart: false,
      metrics: { podUsage: (ns, name) => this.agents.podUsage(ns, name) },
    };
    for (const name of ['default', 'kube-system']) {
      this.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
    for (const node of options.nodes ?? [{ name: 'node-1' }]) {
      this.addNode(node.name, node.cpu ?? '4', node.memory ?? '16Gi');
    }
    this.agents = new Kubelets(this.ctx);
  }

  addNode(name: string, cpu = '4', memory = '16Gi'): void {
    const capacity = { cpu, memory, pods: '110' };
    this.store.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'DiskPressure', status: 'False' },
          { type: 'PIDPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.10' }],
      },
    });
  }

  /** Sets node conditions (`{Ready: 'Unknown'}`). */
  setNodeConditions(name: string, values: Record<string, string>): void {
    const node = this.store.get('nodes', undefined, name) as Obj;
    const conditions = (node.status.conditions as Obj[]).map(c =>
      values[c.type] ? { ...c, status: values[c.type] } : c,
    );
    this.store.updateStatus({
      ...node,
      status: { ...node.status, conditions },
    } as KubeObject);
  }

  /** Runs the t=0 settling with warm start on. */
  async warmStart(objects: Obj[]): Promise<void> {
    this.ctx.warmStart = true;
    for (const o of objects) {
      this.store.create(o as KubeObject);
    }
    await this.clock.advanceBy(0);
    this.ctx.warmStart = false;
  }

  create(obj: Obj): Obj {
    return this.store.create(obj as KubeObject) as Obj;
  }

  async advance(ms: number): Promise<void> {
    await this.clock.advanceBy(ms);
  }

  /** Time since the start, ms. */
  get t(): number {
    return this.clock.now() - this.ctx.startTime;
  }

  pod(name: string, namespace = 'default'): Obj {
    return this.store.get('pods', namespace, name) as Obj;
  }

  status(name: string, container?: string, namespace = 'default'): Obj {
    const pod = this.pod(name, namespace);
    const all: Obj[] = [
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.initContainerStatuses ?? []),
    ];
    return container ? all.find(c => c.name === container)! : all[0];
  }

  ready(name: string, namespace = 'default'): boolean {
    return (this.pod(name, namespace).status?.conditions ?? []).some(
      (c: Obj) => c.type === 'Ready' && c.status === 'True',
    );
  }

  events_(reason?: string): Obj[] {
    return (this.store.list('events').items as Obj[]).filter(
      e => !reason || e.reason === reason,
    );
  }

  stop(): void {
    this.agents.stop();
  }
}

/** A pod manifest bound to `node`. */
export function podManifest(
  name: string,
  containers: Obj[],
  extra: {
    node?: string;
    spec?: Obj;
    labels?: Record<string, string>;
    namespace?: string;
    owner?: Obj;
  } = {},
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      labels: extra.labels ?? { app: name },
      ...(extra.owner ? { ownerReferences: [extra.owner] } : {}),
    },
    spec: {
      nodeName: extra.node ?? 'node-1',
      containers,
      ...(extra.spec ?? {}),
    },
  };
}
