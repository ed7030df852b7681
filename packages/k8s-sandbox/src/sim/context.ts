/**
 * What every part of the simulation shares: the clock, the object store, the
 * scenario's image behaviours as changed by the timeline, and the interfaces
 * through which controllers and kubelets see each other's state.
 *
 * Controllers (src/sim/controllers) and kubelets (src/sim/kubelet) talk only
 * through Kubernetes objects in the store, as the real components do, plus
 * the two narrow interfaces below (`WorkloadLoad`, `PodMetricsSource`) for
 * what a real cluster carries outside the API (traffic, container usage).
 */
import type { ObjectStore } from '../api/store';
import type { VirtualClock } from '../clock';
import type { ImageBehaviour, Scenario, ScenarioNode } from '../scenario';
import type { EventRecorder } from './events';

/** `Kind/namespace/name` (or `Kind/name`), as scenario files write refs. */
export type RefString = string;

/**
 * Run-time changes the timeline makes outside the API: `image`, `traffic`,
 * `block`/`unblock` and `log` steps. Kubelets subscribe to changes.
 */
export interface ScenarioOverrides {
  /** The image's behaviour: the scenario's, overlaid by `image` steps. */
  imageBehaviour(image: string): ImageBehaviour | undefined;
  /** Current traffic multiplier of a workload (default 1). */
  trafficMultiplier(workload: RefString): number;
  /** Whether `from` (a workload ref) has its dependency on `to` blocked. */
  isBlocked(from: RefString, to: string): boolean;
  /** Called after any `image`, `traffic` or `block` step. */
  onChange(listener: () => void): () => void;
  /** `log` steps: raw lines for every running container of a workload. */
  onLog(listener: (workload: RefString, lines: string[]) => void): () => void;
}

/** Current usage of one container, as metrics-server would report it. */
export interface ContainerUsage {
  name: string;
  /** Cores. */
  cpu: number;
  /** Bytes of working set. */
  memory: number;
}

/**
 * Per-pod usage, provided by the kubelets and read by the HPA controller
 * (which must see metrics only as `metrics.k8s.io` would serve them).
 */
export interface PodMetricsSource {
  podUsage(namespace: string, name: string): ContainerUsage[] | undefined;
}

export interface SimContext {
  clock: VirtualClock;
  store: ObjectStore;
  scenario: Scenario;
  nodes: ScenarioNode[];
  overrides: ScenarioOverrides;
  events: EventRecorder;
  /** Clock time of the scenario start (t=0). */
  startTime: number;
  /**
   * True while the scenario's initial objects settle at t=0: containers
   * started then are warm (started, past `startup`, Ready, restartCount 0);
   * failures that need no warm-up still begin at t=0 (SCENARIOS.md).
   */
  warmStart: boolean;
  /** Set once the kubelets exist; read lazily. */
  metrics: PodMetricsSource;
}
