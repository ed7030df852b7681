import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  EvidenceEvent,
  EvidenceMetric,
  ObjectRef,
  SignalSeverity,
} from '@internal/plugin-ai-sre-common';
import type { K8sObject, WatchedKind } from './kubernetes';

/**
 * Describes a detector: a rule that turns what telemetry observes into
 * signals. Ids are stable: they key thresholds in config, suppression rules
 * and false-positive statistics.
 *
 * @public
 */
export interface AiSreDetectorDescriptor {
  /** Stable id, kebab-case, e.g. `crash-loop` or `acme-queue-depth`. */
  id: string;
  /** One line for people. */
  title: string;
  description?: string;
  /** Kubernetes kinds (or `Metric`) the detector reads. */
  reads: string[];
}

/** A sample series a metric detector reads. @public */
export interface MetricSeries {
  labels: Record<string, string>;
  /** `[epoch ms, value]`, oldest first. */
  samples: Array<[number, number]>;
}

/**
 * The metrics a periodic detector may ask for, answered by Prometheus
 * (PromQL) or by direct scraping of a `/metrics` endpoint.
 *
 * @public
 */
export interface DetectorMetrics {
  /**
   * Per-second rate of a counter over `windowSeconds`, one series per
   * label set (like PromQL `rate(name{matchers}[window])`).
   */
  rate(
    name: string,
    matchers: Record<string, string>,
    windowSeconds: number,
  ): Promise<MetricSeries[]>;
  /** The latest value of a gauge, one series per label set. */
  latest(
    name: string,
    matchers: Record<string, string>,
  ): Promise<MetricSeries[]>;
  /**
   * A quantile (0..1) of a histogram's `_bucket` series over the window, one
   * series per label set without `le` (like `histogram_quantile`).
   */
  quantile(
    name: string,
    q: number,
    matchers: Record<string, string>,
    windowSeconds: number,
  ): Promise<MetricSeries[]>;
}

/**
 * What a detector sees: the trimmed cache of one cluster, the injected
 * clock, its effective settings, and (for periodic detectors) metrics.
 *
 * @public
 */
export interface DetectorContext {
  cluster: string;
  /** Epoch ms from the injected clock: never read `Date.now()`. */
  now(): number;
  /** Numeric settings: the detector's defaults overlaid by config. */
  settings: Record<string, number>;
  get(
    kind: WatchedKind,
    namespace: string | undefined,
    name: string,
  ): K8sObject | undefined;
  list(kind: WatchedKind, namespace?: string): K8sObject[];
  /** Recent events about an object, newest last. */
  eventsFor(object: K8sObject): K8sObject[];
  /** Controllers from the object up (ReplicaSet, Deployment). */
  ownerChain(object: K8sObject): ObjectRef[];
  /** Pods whose controller chain ends at the given workload. */
  podsOf(workload: ObjectRef): K8sObject[];
  /** Present for periodic evaluation when a metric source is configured. */
  metrics?: DetectorMetrics;
  /**
   * Per-key learned baseline (exponentially weighted mean and deviation),
   * updated by `observe`; survives between evaluations.
   */
  baseline: {
    get(
      key: string,
    ): { mean: number; deviation: number; samples: number } | undefined;
    observe(key: string, value: number): void;
  };
}

/** A log capture a finding asks for when it becomes a signal. @public */
export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

/**
 * One problem on one object, as a detector sees it now. Findings are level
 * triggered: a detector reports what is wrong every time it evaluates;
 * telemetry debounces them into signals and resolves a signal when its
 * finding stops being reported.
 *
 * @public
 */
export interface DetectorFinding {
  object: ObjectRef;
  /** Distinguishes findings on one object, e.g. the container name. */
  key?: string;
  reason: string;
  message: string;
  severity?: SignalSeverity;
  /** Occurrences so far (restarts, event count). */
  count?: number;
  /** When the problem began, if the object tells (epoch ms). */
  since?: number;
  fields?: Record<string, unknown>;
  events?: EvidenceEvent[];
  metrics?: EvidenceMetric[];
  logs?: LogRequest[];
}

/**
 * A detector. Object detectors evaluate one object whenever an object of a
 * kind in `reads` changes; periodic detectors evaluate the whole cluster
 * every `intervalSeconds` (metrics, baselines).
 *
 * @public
 */
export interface AiSreDetector extends AiSreDetectorDescriptor {
  severity: SignalSeverity;
  /** Seconds a finding must persist before it becomes a signal. */
  debounceSeconds: number;
  /** Seconds a finding must be gone before its signal resolves. */
  resolveSeconds?: number;
  /** Default numeric settings, overridable in config. */
  defaults?: Record<string, number>;
  evaluate?(object: K8sObject, context: DetectorContext): DetectorFinding[];
  intervalSeconds?: number;
  evaluatePeriodic?(
    context: DetectorContext,
  ): DetectorFinding[] | Promise<DetectorFinding[]>;
}

/**
 * Lets other backend modules add detectors to the AI SRE plugin.
 *
 * @public
 */
export interface AiSreDetectorsExtensionPoint {
  addDetector(...detectors: AiSreDetector[]): void;
}

/** @public */
export const aiSreDetectorsExtensionPoint =
  createExtensionPoint<AiSreDetectorsExtensionPoint>({
    id: 'ai-sre.detectors',
  });
