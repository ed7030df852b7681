/**
 * Scoring: compares what the pipeline concluded (the report) with each
 * scenario's `expect` block. This is the only module that reads `expect`.
 */
import type { Scenario } from '@internal/k8s-sandbox';
import type { IncidentReport, ScenarioReport } from './report';

/** One scenario to score: its report and, when it loaded, the scenario. */
export interface ScoreInput {
  report: ScenarioReport;
  scenario?: Scenario;
}

/** How one scenario fared; fields are undefined where they do not apply. */
export interface ScenarioScore {
  id: string;
  expected?: {
    incident: boolean;
    entity?: string;
    category: string;
    object?: string;
    actions: string[];
    resolvesWith?: string;
  };
  /** The incident scored: the one on the expected entity, else the first. */
  incident?: IncidentReport;
  detected?: boolean;
  falseIncident?: boolean;
  top1?: boolean;
  top3?: boolean;
  objectTop1?: boolean;
  objectTop3?: boolean;
  entity?: boolean;
  firstAction?: boolean;
  resolved?: boolean;
  /** Simulated seconds until the scored incident opened. */
  openedAtSeconds?: number;
}

/** A share of scenarios: `hits` of `of`, `rate` null when `of` is 0. */
export interface Ratio {
  hits: number;
  of: number;
  rate: number | null;
}

export interface Scores {
  scenarios: number;
  errors: number;
  /** Incident expected and at least one opened. */
  detectionRecall: Ratio;
  /** Healthy and noise scenarios (`incident: false`) with any incident. */
  falseIncidents: Ratio;
  /** Top-ranked root-cause category matches. */
  rootCauseTop1: Ratio;
  /** The category is among the top three. */
  rootCauseTop3: Ratio;
  /** Top-ranked culprit object matches (where `expect` names one). */
  objectTop1: Ratio;
  objectTop3: Ratio;
  /** The first incident's entity matches. */
  entity: Ratio;
  /** The plan's first action is one of the expected actions. */
  firstAction: Ratio;
  /** Healthy at the end, over scenarios with `resolvesWith`. */
  resolved: Ratio;
  /** Simulated seconds to open the scored incident, over detected ones. */
  timeToOpen: { p50: number | null; p95: number | null; n: number };
}

/** `95s` -> 95. */
export function parseSeconds(text: string): number | undefined {
  const match = /^(-?\d+(?:\.\d+)?)s$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Nearest-rank percentile (0..100) of a list; null when empty. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function formatRef(ref: {
  kind: string;
  namespace?: string;
  name: string;
}): string {
  return ref.namespace
    ? `${ref.kind}/${ref.namespace}/${ref.name}`
    : `${ref.kind}/${ref.name}`;
}

/** Scores one scenario's report against its `expect`. */
export function scoreScenario(input: ScoreInput): ScenarioScore {
  const { report, scenario } = input;
  const expect = scenario?.expect;
  const out: ScenarioScore = { id: report.id };
  if (!expect) {
    out.incident = report.incidents[0];
    return out;
  }
  out.expected = {
    incident: expect.incident,
    ...(expect.entity ? { entity: expect.entity } : {}),
    category: expect.rootCause.category,
    ...(expect.rootCause.object
      ? { object: formatRef(expect.rootCause.object) }
      : {}),
    actions: [...expect.actions],
    ...(expect.resolvesWith ? { resolvesWith: expect.resolvesWith } : {}),
  };
  const incidents = report.incidents;
  const incident =
    incidents.find(i => expect.entity && i.entity === expect.entity) ??
    incidents[0];
  out.incident = incident;

  if (!expect.incident) {
    out.falseIncident = incidents.length > 0;
  } else {
    out.detected = incidents.length > 0;
    const ranked = incident?.rootCause ?? [];
    out.top1 = ranked[0]?.category === expect.rootCause.category;
    out.top3 = ranked
      .slice(0, 3)
      .some(h => h.category === expect.rootCause.category);
    const object = out.expected.object;
    if (object) {
      out.objectTop1 = ranked[0]?.object === object;
      out.objectTop3 = ranked.slice(0, 3).some(h => h.object === object);
    }
    if (expect.entity) out.entity = incidents[0]?.entity === expect.entity;
    if (expect.actions.length)
      out.firstAction =
        !!incident?.plan[0] &&
        (expect.actions as string[]).includes(incident.plan[0]);
    if (incident) out.openedAtSeconds = parseSeconds(incident.openedAt);
  }
  if (expect.resolvesWith) out.resolved = report.resolved === true;
  return out;
}

function ratio(
  scores: ScenarioScore[],
  pick: (s: ScenarioScore) => boolean | undefined,
): Ratio {
  const applicable = scores
    .map(pick)
    .filter((v): v is boolean => v !== undefined);
  const hits = applicable.filter(Boolean).length;
  return {
    hits,
    of: applicable.length,
    rate: applicable.length ? hits / applicable.length : null,
  };
}

/** Aggregates per-scenario scores. */
export function aggregate(
  scores: ScenarioScore[],
  reports: ScenarioReport[],
): Scores {
  const times = scores
    .filter(s => s.detected)
    .map(s => s.openedAtSeconds)
    .filter((t): t is number => t !== undefined);
  return {
    scenarios: reports.length,
    errors: reports.filter(r => r.error !== null).length,
    detectionRecall: ratio(scores, s => s.detected),
    falseIncidents: ratio(scores, s => s.falseIncident),
    rootCauseTop1: ratio(scores, s => s.top1),
    rootCauseTop3: ratio(scores, s => s.top3),
    objectTop1: ratio(scores, s => s.objectTop1),
    objectTop3: ratio(scores, s => s.objectTop3),
    entity: ratio(scores, s => s.entity),
    firstAction: ratio(scores, s => s.firstAction),
    resolved: ratio(scores, s => s.resolved),
    timeToOpen: {
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      n: times.length,
    },
  };
}

/** Scores a whole run: per scenario and overall. */
export function scoreRun(inputs: ScoreInput[]): {
  perScenario: ScenarioScore[];
  scores: Scores;
} {
  const perScenario = inputs.map(scoreScenario);
  return {
    perScenario,
    scores: aggregate(
      perScenario,
      inputs.map(i => i.report),
    ),
  };
}
