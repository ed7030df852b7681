/**
 * The shapes the reasoning agents exchange. Agents are plain functions over
 * these (no Backstage services), so the same code runs in the backend, in
 * `yarn eval` and in the offline CLI.
 */
import type {
  Change,
  ObjectRef,
  RemediationAction,
  RootCauseCategory,
  Signal,
} from '@internal/plugin-ai-sre-common';

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

/** Evidence a hypothesis cites. */
export interface CitedEvidence {
  signalIds: string[];
  changeIds: string[];
  /** Plain-language facts, each naming where it came from. */
  facts: string[];
}

/** One ranked explanation of a group. */
export interface Hypothesis {
  category: RootCauseCategory;
  /** The culprit object, e.g. `Deployment/bookstore/catalog-api`. */
  object: ObjectRef | null;
  /** The entity the incident belongs to (the culprit's, or the most affected). */
  entityRef: string | null;
  /** 0..1 */
  confidence: number;
  summary: string;
  evidence: CitedEvidence;
}

/** One allow-listed step of a fix plan. Plans, never shell commands. */
export interface PlanStep {
  action: RemediationAction;
  /** The object the action changes (or the entity for notify/monitor). */
  target: ObjectRef | null;
  /** Parameters taken from the evidence, e.g. `{ revision: 6 }`, `{ container, memoryLimit: '512Mi' }`. */
  params: Record<string, string | number | boolean>;
  risk: 'low' | 'medium' | 'high';
  expectedEffect: string;
  /** How success is checked after the action. */
  verification: string;
  /** How to undo it. */
  inverse: string;
}
