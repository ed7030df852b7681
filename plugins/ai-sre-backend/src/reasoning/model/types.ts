/**
 * The contract between the incident workflow and an optional language
 * model. The model only enriches: a plain-language summary and extra
 * hypotheses, kept apart from the deterministic ranking. Plans and policy
 * decisions never read them.
 */
import type { Hypothesis, SignalGroup } from '../types';

/** Tokens one model call used, recorded in the agent trace. */
export interface ModelUsage {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface EnrichmentInput {
  incidentId: string;
  /** The entity the incident belongs to (for the per-entity opt-out). */
  entityRef: string | null;
  group: SignalGroup;
  /** The deterministic ranking, best first. */
  hypotheses: Hypothesis[];
  /** Epoch ms from the injected clock (for daily budgets). */
  now: number;
}

export interface Enrichment {
  /** A plain-language summary for people, when the model gave a valid one. */
  summary?: string;
  /** Extra hypotheses from the model, validated; never ranked above the deterministic ones. */
  hypotheses: Hypothesis[];
  /** Usage of every call made (also for discarded output). */
  usage: ModelUsage[];
  /** Why nothing (or only part) was used: opted out, over budget, invalid output... */
  skipped?: string;
}

/** Implemented by the model provider layer; absent when no model is configured. */
export interface IncidentEnricher {
  enrich(input: EnrichmentInput): Promise<Enrichment>;
}
