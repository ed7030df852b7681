import {
  EvidenceMetric,
  formatObjectRef,
  Hypothesis,
  IncidentDetails,
  Signal,
} from '@internal/plugin-ai-sre-common';
import { DateTime } from 'luxon';
import {
  changeAnchor,
  logLineAnchor,
  metricAnchor,
  signalAnchor,
} from '../incident/timeline';

/** A piece of evidence a hypothesis cites, and where on the page it is. */
export interface EvidenceLink {
  kind: 'signal' | 'event' | 'log line' | 'metric window' | 'diff' | 'change';
  label: string;
  /** The element id to jump to; absent when the API does not serve it. */
  targetId?: string;
}

const MIN_MATCH = 12;

function metricWindow(metric: EvidenceMetric): string {
  if (!metric.samples.length) return metric.name;
  const time = (ms: number) => DateTime.fromMillis(ms).toFormat('HH:mm:ss');
  return `${metric.name} ${time(metric.samples[0][0])}–${time(
    metric.samples[metric.samples.length - 1][0],
  )}`;
}

/**
 * The evidence a hypothesis cites, each linked to the event, log line,
 * metric window or diff it came from. Log lines are the ones the
 * hypothesis's summary or facts quote.
 */
export function evidenceLinks(
  hypothesis: Hypothesis,
  details: IncidentDetails,
  signals: Signal[],
): EvidenceLink[] {
  const links: EvidenceLink[] = [];
  const quoted = [hypothesis.summary, ...hypothesis.evidence.facts];
  const quotes = (text: string) =>
    text.trim().length >= MIN_MATCH &&
    quoted.some(q => q.includes(text.trim()));

  for (const signalId of hypothesis.evidence.signalIds) {
    const signal = signals.find(s => s.id === signalId);
    if (!signal) {
      links.push({
        kind: 'signal',
        label: `signal ${signalId} (no longer stored)`,
      });
      continue;
    }
    links.push({
      kind: 'signal',
      label: `${signal.detector}: ${signal.message}`,
      targetId: signalAnchor(signal.id),
    });
    for (const event of signal.evidence.events) {
      if (event.type !== 'Warning') continue;
      links.push({
        kind: 'event',
        label: `${event.reason} on ${formatObjectRef(event.object)}: ${
          event.message
        }`,
        targetId: signalAnchor(signal.id),
      });
    }
    signal.evidence.logs.forEach((log, logIndex) =>
      log.lines.forEach((line, lineIndex) => {
        if (quotes(line)) {
          links.push({
            kind: 'log line',
            label: `${log.pod}/${log.container}: ${line}`,
            targetId: logLineAnchor(signal.id, logIndex, lineIndex),
          });
        }
      }),
    );
    signal.evidence.metrics.forEach((metric, index) =>
      links.push({
        kind: 'metric window',
        label: metricWindow(metric),
        targetId: metricAnchor(signal.id, index),
      }),
    );
  }

  for (const changeId of hypothesis.evidence.changeIds) {
    const change = details.changes?.find(c => c.id === changeId);
    if (change) {
      links.push({
        kind: 'diff',
        label: change.summary,
        targetId: changeAnchor(change.id),
      });
    }
  }
  if (!details.changes) {
    for (const fact of hypothesis.evidence.facts) {
      if (fact.startsWith('change: ')) {
        links.push({
          kind: 'change',
          label: `${fact.slice(
            'change: '.length,
          )} (its diff is not served by the API yet)`,
        });
      }
    }
  }
  // Deduplicate events repeated across signals.
  const seen = new Set<string>();
  return links.filter(link => {
    const key = `${link.kind}|${link.label}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
