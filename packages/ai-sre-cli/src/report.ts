/**
 * The analysis report (`--json FILE`, format version 1): findings, one per
 * problem a detector sees on an object, and incidents, shaped as the
 * incidents of the `yarn eval` report with the evidence and plan details a
 * person reviewing them needs.
 */
import type { IncidentReport, RootCauseReport } from '@internal/ai-sre-eval';

/** One problem a detector sees on one object. */
export interface FindingReport {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
  object: string;
  /** The detector's id, e.g. `crash-loop`. */
  detector: string;
  /** `critical`, `high`, `medium`, `low` or `info`. */
  severity: string;
  /** The problem in plain words. */
  message: string;
}

/** A ranked root cause, as in the eval report, with its explanation. */
export interface RootCauseDetail extends RootCauseReport {
  summary: string;
  /** Plain-language facts it rests on, each naming where it came from. */
  evidence: string[];
}

/** One step of the proposed plan. */
export interface PlanStepDetail {
  action: string;
  /** `Kind/namespace/name` the action changes, or null. */
  target: string | null;
  params: Record<string, string | number | boolean>;
  risk: string;
  expectedEffect: string;
}

/**
 * An incident: the fields of the eval report's incidents (`entity`,
 * `impacted`, `openedAt`, `rootCause`, `plan`, `decision`) plus details.
 * `openedAt` is the ISO time of the incident's first symptom.
 */
export interface IncidentDetail extends IncidentReport {
  title: string;
  severity: string;
  rootCause: RootCauseDetail[];
  /** The plan's steps with their targets, parameters and expected effects. */
  steps: PlanStepDetail[];
  /** The findings the incident groups. */
  findings: Array<{ object: string; detector: string }>;
}

export interface AnalysisReport {
  version: 1;
  /** The time the cluster was judged at (ISO). */
  analyzedAt: string;
  findings: FindingReport[];
  /** Most severe first, then by first symptom. */
  incidents: IncidentDetail[];
}
