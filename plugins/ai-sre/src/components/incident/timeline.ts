import {
  formatObjectRef,
  IncidentDetails,
  Signal,
} from '@internal/plugin-ai-sre-common';
import { DateTime } from 'luxon';
import { AuditEntry } from '../../api';
import { formatDuration } from '../format';

/** What kind of thing happened, for the timeline's labels. */
export type TimelineKind =
  | 'incident'
  | 'signal'
  | 'event'
  | 'change'
  | 'agent'
  | 'approval'
  | 'execution';

export interface TimelineEntry {
  /** ISO 8601; null when the API does not say when it happened. */
  at: string | null;
  kind: TimelineKind;
  title: string;
  detail?: string;
  /** The id of the element on the page that holds the evidence. */
  href?: string;
}

/** The anchor id of a signal's evidence on the incident page. */
export const signalAnchor = (signalId: string) => `evidence-${signalId}`;
/** The anchor id of an execution. */
export const executionAnchor = (executionId: string) =>
  `execution-${executionId}`;
/** The anchor id of a cited change. */
export const changeAnchor = (changeId: string) => `change-${changeId}`;
/** The anchor id of one redacted log line of a signal. */
export const logLineAnchor = (signalId: string, log: number, line: number) =>
  `evidence-${signalId}-log-${log}-${line}`;
/** The anchor id of a metric series of a signal. */
export const metricAnchor = (signalId: string, metric: number) =>
  `evidence-${signalId}-metric-${metric}`;

const AUDIT_TITLES: Record<AuditEntry['action'], string> = {
  'incident.acknowledge': 'Acknowledged',
  'incident.resolve': 'Resolved by a person',
  'incident.false-positive': 'Marked as a false positive',
  'plan.approve': 'Plan approved',
  'plan.reject': 'Plan rejected',
  'plan.execute': 'Plan executed',
  'execution.rollback': 'Execution rolled back',
  'kill-switch.set': 'Kill-switch changed',
};

const AUDIT_KINDS: Record<AuditEntry['action'], TimelineKind> = {
  'incident.acknowledge': 'incident',
  'incident.resolve': 'incident',
  'incident.false-positive': 'incident',
  'plan.approve': 'approval',
  'plan.reject': 'approval',
  'plan.execute': 'execution',
  'execution.rollback': 'execution',
  'kill-switch.set': 'approval',
};

/** The ids of every signal and change any hypothesis cites. */
export function citedIds(details: IncidentDetails): {
  signalIds: Set<string>;
  changeIds: Set<string>;
} {
  const signalIds = new Set<string>();
  const changeIds = new Set<string>();
  for (const hypothesis of [
    ...details.analysis.hypotheses,
    ...details.analysis.modelHypotheses,
  ]) {
    hypothesis.evidence.signalIds.forEach(id => signalIds.add(id));
    hypothesis.evidence.changeIds.forEach(id => changeIds.add(id));
  }
  return { signalIds, changeIds };
}

/**
 * The signals that belong to an incident: those its hypotheses cite, and
 * other signals of its entity seen while it was open.
 */
export function incidentSignals(
  details: IncidentDetails,
  signals: Signal[],
): Signal[] {
  const { signalIds } = citedIds(details);
  const { incident } = details;
  const from = DateTime.fromISO(incident.startedAt).toMillis() - 10 * 60_000;
  const to = incident.resolvedAt
    ? DateTime.fromISO(incident.resolvedAt).toMillis()
    : Number.POSITIVE_INFINITY;
  return signals.filter(signal => {
    if (signalIds.has(signal.id)) return true;
    if (!incident.entityRef || !signal.entityRefs.includes(incident.entityRef))
      return false;
    const seen = DateTime.fromISO(signal.firstSeen).toMillis();
    return seen >= from && seen <= to;
  });
}

/** Changes cited as facts (`change: ...`) when the API has no change records. */
export function changeFacts(details: IncidentDetails): string[] {
  const facts = new Set<string>();
  for (const hypothesis of details.analysis.hypotheses) {
    for (const fact of hypothesis.evidence.facts) {
      if (fact.startsWith('change: ')) facts.add(fact.slice('change: '.length));
    }
  }
  return [...facts];
}

function auditDetail(entry: AuditEntry): string | undefined {
  const parts: string[] = [`by ${entry.actor}`];
  if (entry.outcome !== 'succeeded') parts.push(entry.outcome);
  const { comment, reason, status, details } = entry.details as Record<
    string,
    unknown
  >;
  if (typeof comment === 'string') parts.push(`“${comment}”`);
  if (typeof reason === 'string') parts.push(reason);
  if (typeof status === 'string') parts.push(status);
  if (typeof details === 'string' && details) parts.push(details);
  return parts.join(' · ');
}

/**
 * Everything known to have happened in an incident, oldest first: its
 * lifecycle, the signals and Kubernetes events seen, the changes cited, each
 * workflow node the agent ran, the people's decisions, and the executions.
 * Entries whose time the API does not give come first, marked as such.
 */
export function buildTimeline(options: {
  details: IncidentDetails;
  signals: Signal[];
  audit: AuditEntry[];
}): TimelineEntry[] {
  const { details, signals, audit } = options;
  const { incident } = details;
  const entries: TimelineEntry[] = [];

  entries.push({
    at: incident.startedAt,
    kind: 'incident',
    title: 'First symptom observed',
  });
  entries.push({
    at: incident.openedAt,
    kind: 'incident',
    title: 'Incident opened',
    detail: `detected after ${formatDuration(
      DateTime.fromISO(incident.openedAt).toMillis() -
        DateTime.fromISO(incident.startedAt).toMillis(),
    )}`,
  });
  if (incident.resolvedAt) {
    entries.push({
      at: incident.resolvedAt,
      kind: 'incident',
      title:
        incident.status === 'false-positive'
          ? 'Closed as a false positive'
          : 'Incident resolved',
    });
  }

  const seenEvents = new Set<string>();
  for (const signal of incidentSignals(details, signals)) {
    entries.push({
      at: signal.firstSeen,
      kind: 'signal',
      title: `${signal.detector}: ${signal.reason} on ${formatObjectRef(
        signal.object,
      )}`,
      detail: signal.message,
      href: signalAnchor(signal.id),
    });
    for (const event of signal.evidence.events) {
      const key = `${formatObjectRef(event.object)}|${event.reason}|${
        event.message
      }`;
      if (seenEvents.has(key)) continue;
      seenEvents.add(key);
      entries.push({
        at: event.firstTimestamp ?? event.lastTimestamp ?? null,
        kind: 'event',
        title: `${event.type} ${event.reason} on ${formatObjectRef(
          event.object,
        )}`,
        detail: `${event.message}${
          event.count > 1 ? ` (×${event.count})` : ''
        }`,
        href: signalAnchor(signal.id),
      });
    }
  }

  if (details.changes?.length) {
    for (const change of details.changes) {
      entries.push({
        at: change.at,
        kind: 'change',
        title: `${change.kind} of ${formatObjectRef(change.object)}${
          change.revision ? ` (revision ${change.revision})` : ''
        }`,
        detail: change.summary,
        href: changeAnchor(change.id),
      });
    }
  } else {
    for (const fact of changeFacts(details)) {
      entries.push({
        at: null,
        kind: 'change',
        title: 'Change cited by the root cause',
        detail: `${fact} (the API does not give its time)`,
      });
    }
  }

  for (const step of details.trace) {
    entries.push({
      at: step.at,
      kind: 'agent',
      title: `Agent step: ${step.node}`,
      detail: `${step.input}${step.input ? ' · ' : ''}${formatDuration(
        step.durationMs,
      )}`,
    });
  }

  const audited = new Set(audit.map(entry => entry.action));
  for (const entry of audit) {
    entries.push({
      at: entry.at,
      kind: AUDIT_KINDS[entry.action],
      title: AUDIT_TITLES[entry.action],
      detail: auditDetail(entry),
    });
  }
  const { approval } = details.analysis;
  if (approval && !audited.has('plan.approve') && !audited.has('plan.reject')) {
    entries.push({
      at: null,
      kind: 'approval',
      title: approval.approved ? 'Plan approved' : 'Plan rejected',
      detail: `by ${approval.by}${
        approval.comment ? ` · “${approval.comment}”` : ''
      }`,
    });
  }

  for (const execution of details.executions ?? []) {
    entries.push({
      at: execution.startedAt,
      kind: 'execution',
      title: `Execution ${execution.dryRun ? '(dry run) ' : ''}started`,
      detail: execution.steps.map(step => step.action).join(', '),
      href: executionAnchor(execution.id),
    });
    if (execution.finishedAt) {
      entries.push({
        at: execution.finishedAt,
        kind: 'execution',
        title: `Execution ${execution.status}`,
        detail: execution.details,
        href: executionAnchor(execution.id),
      });
    }
  }

  const time = (entry: TimelineEntry) =>
    entry.at === null ? -Infinity : DateTime.fromISO(entry.at).toMillis();
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => time(a.entry) - time(b.entry) || a.index - b.index)
    .map(({ entry }) => entry);
}
