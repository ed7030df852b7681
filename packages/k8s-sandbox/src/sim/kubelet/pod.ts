/**
 * One pod on a node: volumes, init containers (and sidecars) in order, then
 * the app containers; its phase, conditions and the request counters of the
 * app it runs.
 */
import { parseQuantity } from '../../scenario';
import { ContainerRuntime, PodSide } from './container';
import { checkVolumes } from './env';
import { Obj } from './format';
import type { KubeletHost, Timer } from './host';
import { RateCounters } from './metrics/counters';
import { BUCKETS, latencyShape } from './requests';

const MOUNT_RETRY_MS = 500;
const MOUNT_RETRY_MAX_MS = 122_000;

/** Counter layout of the request metrics of a pod. */
export const REQ_OK = 0;
export const REQ_ERR = 1;
export const REQ_SUM = 2;
export const REQ_BUCKETS = 3;

export interface PodOwner {
  readonly host: KubeletHost;
  /** Status, usage or readiness of the pod may have changed. */
  podChanged(pod: PodRuntime): void;
  trackDependencies(
    c: ContainerRuntime,
    services: string[],
    config: boolean,
    pod: PodRuntime,
  ): void;
}

export interface NodeSide {
  readonly name: string;
  readonly frozen: boolean;
}

type Stage = 'volumes' | 'init' | 'main' | 'failed' | 'evicted' | 'stopped';

export function qosClassOf(pod: Obj): string {
  const containers: Obj[] = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
  ];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const r of ['cpu', 'memory']) {
      const limit = limits[r];
      const request = requests[r] ?? limit;
      if (limit !== undefined || request !== undefined) {
        any = true;
      }
      if (
        limit === undefined ||
        parseQuantity(limit) !== parseQuantity(request)
      ) {
        guaranteed = false;
      }
    }
  }
  if (!any) {
    return 'BestEffort';
  }
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export class PodRuntime implements PodSide {
  readonly key: string;
  readonly uid: string;
  readonly qosClass: string;
  readonly initContainers: ContainerRuntime[];
  readonly containers: ContainerRuntime[];
  obj: Obj;
  stage: Stage = 'volumes';
  startTime?: number;
  /** Requests/s this pod serves (set by the traffic model). */
  rps = 0;
  evictionMessage?: string;
  /** Deleted while its node was NotReady: removed when it returns. */
  terminating = false;
  /** Whether the pod is Ready as last computed. */
  ready = false;
  private initIndex = 0;
  private mountFailures = 0;
  private mountTimer?: Timer;
  private requests?: RateCounters;

  constructor(
    obj: Obj,
    readonly node: NodeSide,
    readonly ip: string,
    readonly workload: string,
    private readonly owner: PodOwner,
  ) {
    this.obj = obj;
    const meta = obj.metadata ?? {};
    this.key = `${meta.namespace}/${meta.name}`;
    this.uid = meta.uid ?? '';
    this.qosClass = qosClassOf(obj);
    const host = owner.host;
    this.initContainers = (obj.spec?.initContainers ?? []).map(
      (spec: Obj) =>
        new ContainerRuntime(
          spec,
          spec.restartPolicy === 'Always' ? 'sidecar' : 'init',
          this,
          host,
        ),
    );
    this.containers = (obj.spec?.containers ?? []).map(
      (spec: Obj) => new ContainerRuntime(spec, 'main', this, host),
    );
  }

  get nodeName(): string {
    return this.node.name;
  }

  get frozen(): boolean {
    return this.node.frozen;
  }

  get namespace(): string {
    return this.obj.metadata?.namespace ?? 'default';
  }

  get name(): string {
    return this.obj.metadata?.name ?? '';
  }

  get allContainers(): ContainerRuntime[] {
    return [...this.initContainers, ...this.containers];
  }

  /** Whether the kubelet is done with the pod (no more restarts). */
  get terminal(): boolean {
    const phase = this.phase();
    return phase === 'Succeeded' || phase === 'Failed';
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    this.startTime = this.owner.host.now();
    this.mountVolumes();
  }

  /** Re-checks volumes (a PVC was bound). */
  retryVolumes(): void {
    if (this.stage === 'volumes' && !this.mountTimer && !this.frozen) {
      this.mountVolumes();
    }
  }

  private mountVolumes(): void {
    this.mountTimer = undefined;
    if (this.stage !== 'volumes') {
      return;
    }
    const host = this.owner.host;
    const result = checkVolumes(host.ctx.store, this.obj);
    if (result.kind === 'unbound') {
      this.changed();
      return;
    }
    if (result.kind === 'failed') {
      this.mountFailures += 1;
      for (const message of result.messages) {
        host.podEvent(this.obj, 'Warning', 'FailedMount', message);
      }
      const delay = Math.min(
        MOUNT_RETRY_MS * 2 ** (this.mountFailures - 1),
        MOUNT_RETRY_MAX_MS,
      );
      this.mountTimer = host.timer(host.now() + delay, () =>
        this.mountVolumes(),
      );
      this.changed();
      return;
    }
    this.stage = 'init';
    this.advanceInit();
  }

  /** Runs init containers in order, then starts the app containers. */
  private advanceInit(): void {
    const warm = this.owner.host.warm();
    while (
      this.stage === 'init' &&
      this.initIndex < this.initContainers.length
    ) {
      const c = this.initContainers[this.initIndex];
      if (c.role === 'sidecar') {
        if (!c.attempted) {
          c.begin();
        }
        if (!c.started) {
          return;
        }
      } else if (!c.completed) {
        if (warm && !c.everStarted && c.completeWarm()) {
          this.initIndex += 1;
          continue;
        }
        if (!c.attempted) {
          c.begin();
        }
        if (!c.completed) {
          return;
        }
      }
      this.initIndex += 1;
    }
    if (this.stage !== 'init') {
      return;
    }
    this.stage = 'main';
    this.changed();
    for (const c of this.containers) {
      c.begin();
    }
  }

  containerChanged(_c: ContainerRuntime): void {
    this.changed();
  }

  containerStarted(c: ContainerRuntime): void {
    if (this.stage === 'init' && c.role === 'sidecar') {
      this.advanceInit();
    }
  }

  containerExited(c: ContainerRuntime, restarting: boolean): void {
    if (c.role !== 'init' || this.stage !== 'init') {
      return;
    }
    if (c.completed) {
      this.advanceInit();
    } else if (!restarting) {
      // restartPolicy Never: a failed init container fails the pod.
      this.stage = 'failed';
      for (const other of this.initContainers) {
        other.stop();
      }
      this.changed();
    }
  }

  trackDependencies(
    c: ContainerRuntime,
    services: string[],
    config: boolean,
  ): void {
    this.owner.trackDependencies(c, services, config, this);
  }

  private changed(): void {
    this.owner.podChanged(this);
  }

  /** Stops every container at once (deletion). */
  stop(): void {
    this.mountTimer?.cancel();
    this.mountTimer = undefined;
    for (const c of this.allContainers) {
      c.stop();
    }
    if (this.stage !== 'evicted') {
      this.stage = 'stopped';
    }
  }

  evict(message: string): void {
    this.stop();
    this.stage = 'evicted';
    this.evictionMessage = message;
    this.changed();
  }

  freeze(now: number): void {
    this.mountTimer?.cancel();
    this.mountTimer = undefined;
    for (const c of this.allContainers) {
      c.freeze(now);
    }
    this.requests?.pause(now);
  }

  resume(now: number): void {
    for (const c of this.allContainers) {
      c.resume(now);
    }
    this.requests?.resume(now);
    if (this.stage === 'volumes') {
      this.mountVolumes();
    }
  }

  // -------------------------------------------------------------- status

  phase(): string {
    if (this.stage === 'evicted' || this.stage === 'failed') {
      return 'Failed';
    }
    if (this.stage !== 'main' && this.stage !== 'stopped') {
      return 'Pending';
    }
    const states = this.containers.map(c => c.state);
    if (states.length > 0 && states.every(s => s.kind === 'terminated')) {
      const ok = states.every(
        s => s.kind === 'terminated' && s.term.exitCode === 0,
      );
      return ok ? 'Succeeded' : 'Failed';
    }
    const active = this.containers.some(
      c => c.running || c.everStarted || c.lastTerminated,
    );
    return active ? 'Running' : 'Pending';
  }

  /** Ready: every app container and sidecar is ready. */
  computeReady(): boolean {
    if (this.stage !== 'main' || this.phase() !== 'Running') {
      return false;
    }
    const sidecars = this.initContainers.filter(c => c.role === 'sidecar');
    return [...sidecars, ...this.containers].every(c => c.ready);
  }

  get initialized(): boolean {
    return this.stage === 'main' || this.stage === 'stopped';
  }

  // ------------------------------------------------------------ requests

  /** The container serving the workload's traffic (first that sets it). */
  trafficContainer(): ContainerRuntime | undefined {
    return this.containers.find(
      c => c.running && c.behaviour.traffic !== undefined,
    );
  }

  /** Sets the request counters' rates from the current rps and behaviour. */
  updateRequestRates(now: number): void {
    const server = this.trafficContainer() ?? this.containers[0];
    const rps = this.rps;
    if (!this.requests) {
      if (rps <= 0) {
        return;
      }
      this.requests = new RateCounters(REQ_BUCKETS + BUCKETS.length, now);
    }
    const rates = new Array<number>(REQ_BUCKETS + BUCKETS.length).fill(0);
    if (rps > 0 && server) {
      const b = server.behaviour;
      const factor = server.throttleFactor;
      const shape = latencyShape(
        b.latency.p50 * factor,
        b.latency.p99 * factor,
      );
      const errors = rps * Math.min(1, Math.max(0, b.errorRate));
      rates[REQ_OK] = rps - errors;
      rates[REQ_ERR] = errors;
      rates[REQ_SUM] = rps * shape.mean;
      shape.cumulative.forEach((f, i) => {
        rates[REQ_BUCKETS + i] = rps * f;
      });
    }
    this.requests.setRates(now, rates);
  }

  /** Request counters at `now`, once the pod has served requests. */
  requestCounters(now: number): number[] | undefined {
    return this.requests?.read(now);
  }
}
