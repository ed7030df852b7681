/**
 * The evaluation report (format version 1, SCENARIOS.md "The evaluation
 * CLI"): what the product concluded about each scenario. Nothing here is
 * ground truth; the scorer compares it with each scenario's `expect`.
 */

/** One ranked root-cause hypothesis. */
export interface RootCauseReport {
  category: string;
  /** `Kind/ns/name` or `Kind/name`; null when the hypothesis names no object. */
  object: string | null;
  /** 0..1 */
  confidence: number;
}

/** One incident the pipeline opened. */
export interface IncidentReport {
  /** The catalog entity the incident belongs to, e.g. `component:default/web`. */
  entity: string | null;
  /** Other entities of the incident's signal group. */
  impacted: string[];
  /**
   * Simulated time since the scenario's first timeline step (or since start
   * when the fault is present from the start), e.g. `95s`.
   */
  openedAt: string;
  /** Best first. */
  rootCause: RootCauseReport[];
  /** The plan's actions, in order. */
  plan: string[];
  decision: string;
}

export interface ScenarioReport {
  id: string;
  incidents: IncidentReport[];
  /** Whether the incident's entity is healthy at the end (Rollouts and health). */
  resolved: boolean;
  /** Wall-clock time of the run. */
  wallMs: number;
  /** Why the scenario could not be loaded or run; null when it ran. */
  error: string | null;
}

export interface EvalReport {
  version: 1;
  scenarios: ScenarioReport[];
}
