import type { KubeObject } from './manifest';
import type { DependencyTarget, ObjectRef } from './refs';

export type { KubeObject } from './manifest';
export type { DependencyTarget, ObjectRef } from './refs';

/** The root-cause taxonomy of `expect.rootCause.category`. */
// The taxonomy and the actions allow-list are the plugin's own, shared
// with the scenario format's `expect` block.
export {
  ROOT_CAUSE_CATEGORIES,
  REMEDIATION_ACTIONS as PLAN_ACTIONS,
} from '@internal/plugin-ai-sre-common';
export type {
  RootCauseCategory,
  RemediationAction as PlanAction,
} from '@internal/plugin-ai-sre-common';
import type {
  RootCauseCategory,
  RemediationAction as PlanAction,
} from '@internal/plugin-ai-sre-common';

export const PULL_BEHAVIOURS = [
  'ok',
  'not-found',
  'unauthorized',
  'wrong-arch',
] as const;
export type PullBehaviour = (typeof PULL_BEHAVIOURS)[number];

export type ProbeAnswer = 'ok' | 'fail';

export const NODE_CONDITIONS = [
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
] as const;
export type NodeConditionType = (typeof NODE_CONDITIONS)[number];

export const TAINT_EFFECTS = [
  'NoSchedule',
  'PreferNoSchedule',
  'NoExecute',
] as const;

export interface NodeTaint {
  key: string;
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

/** A node of the simulated cluster. */
export interface ScenarioNode {
  name: string;
  /** Cores. */
  cpu: number;
  /** Bytes. */
  memory: number;
  /** Pod slots. */
  pods: number;
  /**
   * Labels, including `kubernetes.io/hostname`, `kubernetes.io/os` and
   * `kubernetes.io/arch` (defaulted as the kubelet would).
   */
  labels: Record<string, string>;
  taints: NodeTaint[];
  /** The capacity as Kubernetes quantities, as written (for Node status). */
  capacity: { cpu: string; memory: string; pods: string };
}

/** Latency percentiles, in ms. */
export interface Latency {
  p50: number;
  p99: number;
}

export interface ExitBehaviour {
  /** ms after start (or after the behaviour became active, if later). */
  after: number;
  code: number;
  reason?: string;
  /** The process's last log line. */
  log?: string;
}

/**
 * Behaviour keys that may overlay an image's behaviour (`onFailure`,
 * rule `then`). Only the keys the file names are present.
 */
export interface BehaviourOverlay {
  pull?: PullBehaviour;
  /** ms until the app answers probes. */
  startup?: number;
  /** Idle CPU, cores. */
  cpu?: number;
  /** Working set at start, bytes. */
  memory?: number;
  /** Bytes per ms. */
  memoryGrowth?: number;
  /** Cores per request/s. */
  cpuPerRequest?: number;
  /** Requests/s at base load. */
  traffic?: number;
  latency?: Latency;
  /** 0..1. */
  errorRate?: number;
  exit?: ExitBehaviour;
  liveness?: ProbeAnswer;
  readiness?: ProbeAnswer;
  ports?: number[];
  paths?: string[];
  logs?: string[];
}

export interface ImageDependency {
  target: DependencyTarget;
  onFailure: BehaviourOverlay;
}

export type RuleCondition =
  | { kind: 'envMissing'; name: string }
  | { kind: 'envEquals'; values: Record<string, string> }
  | { kind: 'secretMissing'; name: string }
  | { kind: 'configMapMissing'; name: string };

export interface ImageRule {
  if: RuleCondition;
  then: BehaviourOverlay;
}

/** How a container image behaves; only the keys the file names are present. */
export interface ImageBehaviour extends BehaviourOverlay {
  dependsOn?: ImageDependency[];
  rules?: ImageRule[];
}

interface StepBase {
  /** ms from the start of the scenario. */
  at: number;
  /** `at` as written. */
  atText: string;
  /** Position of the step in the file's timeline (0-based). */
  index: number;
}

export interface ApplyStep extends StepBase {
  kind: 'apply';
  manifest: KubeObject;
}
export interface DeleteStep extends StepBase {
  kind: 'delete';
  target: ObjectRef;
}
export interface ScaleStep extends StepBase {
  kind: 'scale';
  target: ObjectRef;
  replicas: number;
}
export interface NodeStep extends StepBase {
  kind: 'node';
  name: string;
  ready?: boolean;
  conditions?: Partial<Record<NodeConditionType, boolean>>;
  cordon?: boolean;
}
export interface TrafficStep extends StepBase {
  kind: 'traffic';
  target: ObjectRef;
  multiplier: number;
}
export interface ImageStep extends StepBase {
  kind: 'image';
  ref: string;
  set: ImageBehaviour;
}
export interface BlockStep extends StepBase {
  kind: 'block' | 'unblock';
  from: ObjectRef;
  to: DependencyTarget;
}
export interface EventStep extends StepBase {
  kind: 'event';
  involvedObject: ObjectRef;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}
export interface LogStep extends StepBase {
  kind: 'log';
  target: ObjectRef;
  lines: string[];
}
export interface StatusStep extends StepBase {
  kind: 'status';
  target: ObjectRef;
  /** JSON merge patch for the object's status. */
  patch: Record<string, unknown>;
}

export type TimelineStep =
  | ApplyStep
  | DeleteStep
  | ScaleStep
  | NodeStep
  | TrafficStep
  | ImageStep
  | BlockStep
  | EventStep
  | LogStep
  | StatusStep;

export type TimelineStepKind = TimelineStep['kind'];

export const TIMELINE_STEP_KINDS: readonly TimelineStepKind[] = [
  'apply',
  'delete',
  'scale',
  'node',
  'traffic',
  'image',
  'block',
  'unblock',
  'event',
  'log',
  'status',
];

/** Ground truth, for scoring only. */
export interface Expectation {
  incident: boolean;
  /** e.g. `component:default/inventory`. */
  entity?: string;
  rootCause: { category: RootCauseCategory; object?: ObjectRef };
  /** Any one of these is a correct first step; empty if none expected. */
  actions: PlanAction[];
  resolvesWith?: PlanAction;
}

/** A loaded and validated scenario (format v1). */
export interface Scenario {
  version: 1;
  id: string;
  title: string;
  /** The file name as given to the loader. */
  file: string;
  /** Simulated time to run, ms. */
  duration: number;
  /** `duration` as written (or the default `15m`). */
  durationText: string;
  cluster: {
    nodes: ScenarioNode[];
    /** Applied in order at time zero. */
    objects: KubeObject[];
  };
  /** Keyed by exact image reference. */
  images: Record<string, ImageBehaviour>;
  /** Sorted by `at`, ties in file order. */
  timeline: TimelineStep[];
  /**
   * Ground truth for scoring. Simulation, detection and planning code must
   * not read it.
   */
  expect?: Expectation;
}
