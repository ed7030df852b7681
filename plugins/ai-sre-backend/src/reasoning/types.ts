/**
 * The shapes the reasoning agents exchange. Agents are plain functions over
 * these (no Backstage services), so the same code runs in the backend, in
 * `yarn eval` and in the offline CLI.
 */
import type { Change, ObjectRef, Signal } from '@internal/plugin-ai-sre-common';

/** A dependency edge: `from` calls `to` (workloads), read from the cluster or the catalog. */
export interface DependencyLink {
  cluster: string;
  from: ObjectRef;
  to: ObjectRef[];
  fromEntityRefs: string[];
  toEntityRefs: string[];
  evidence: string;
}

/** What the reasoning agents see about the world around a group of signals. */
export interface ReasoningContext {
  /** Epoch ms, from the injected clock. */
  now: number;
  /** Changes in the clusters in the recent past (newest first or any order). */
  changes: Change[];
  dependencies: DependencyLink[];
  /** Entity info from the catalog (owner, lifecycle), by entity ref. */
  entities: Record<
    string,
    { ownerRef: string | null; lifecycle: string | null; dependsOn: string[] }
  >;
}

/** Signals the detection agent judged to be one problem. */
export interface SignalGroup {
  /** Stable for the same problem (re-opens rather than duplicates). */
  key: string;
  signals: Signal[];
  /** Entities showing symptoms. */
  entityRefs: string[];
  /** Earliest first-seen of the group's signals (epoch ms). */
  startedAt: number;
}

export type {
  CitedEvidence,
  Hypothesis,
  PlanStep,
} from '@internal/plugin-ai-sre-common';
