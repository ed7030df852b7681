/**
 * Reliability figures per entity, owner or detector: how many incidents,
 * how many were false positives, mean time to detect (first symptom to
 * incident), to acknowledge (incident to acknowledgement) and to resolve
 * (first symptom to resolved), and how executions ended. Served for charts
 * and exported as OpenTelemetry metrics through Backstage's metrics setup.
 */
import { Meter, metrics } from '@opentelemetry/api';
import type { Incident } from '@internal/plugin-ai-sre-common';

export type MetricsGroupBy = 'entity' | 'owner' | 'detector';

export interface ReliabilityRow {
  key: string;
  incidents: number;
  falsePositives: number;
  falsePositiveRate: number;
  /** Seconds, null when no incident had the timestamps. */
  mttdSeconds: number | null;
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  executions: { succeeded: number; rolledBack: number; failed: number };
}

export interface MetricsInput {
  incident: Incident;
  detectors: string[];
  executions: Array<{ status: string }>;
}

const mean = (values: number[]) =>
  values.length
    ? Math.round(values.reduce((a, b) => a + b, 0) / values.length)
    : null;

const seconds = (from: string, to: string | null) =>
  to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined;

function keysOf(input: MetricsInput, groupBy: MetricsGroupBy): string[] {
  if (groupBy === 'entity') return [input.incident.entityRef ?? '(unknown)'];
  if (groupBy === 'owner') return [input.incident.ownerRef ?? '(unowned)'];
  return input.detectors.length ? [...new Set(input.detectors)] : ['(none)'];
}

export function reliabilityMetrics(
  inputs: MetricsInput[],
  groupBy: MetricsGroupBy,
): ReliabilityRow[] {
  const groups = new Map<string, MetricsInput[]>();
  for (const input of inputs) {
    const keys = keysOf(input, groupBy);
    for (const key of keys) {
      groups.set(key, [...(groups.get(key) ?? []), input]);
    }
  }
  return [...groups.entries()]
    .map(([key, items]) => {
      const fp = items.filter(i => i.incident.status === 'false-positive');
      const real = items.filter(i => i.incident.status !== 'false-positive');
      const collect = (fn: (i: Incident) => number | undefined) =>
        real
          .map(i => fn(i.incident))
          .filter((v): v is number => v !== undefined && v >= 0);
      const executions = items.flatMap(i => i.executions);
      return {
        key,
        incidents: items.length,
        falsePositives: fp.length,
        falsePositiveRate:
          Math.round((fp.length / Math.max(1, items.length)) * 1000) / 1000,
        mttdSeconds: mean(collect(i => seconds(i.startedAt, i.openedAt))),
        mttaSeconds: mean(collect(i => seconds(i.openedAt, i.acknowledgedAt))),
        mttrSeconds: mean(
          collect(i =>
            i.status === 'resolved'
              ? seconds(i.startedAt, i.resolvedAt)
              : undefined,
          ),
        ),
        executions: {
          succeeded: executions.filter(e => e.status === 'succeeded').length,
          rolledBack: executions.filter(e => e.status === 'rolled-back').length,
          failed: executions.filter(e => e.status === 'failed').length,
        },
      };
    })
    .sort((a, b) => b.incidents - a.incidents || a.key.localeCompare(b.key));
}

/** The OpenTelemetry instruments recorded as incidents move on. */
export class ReliabilityInstruments {
  private readonly detect;
  private readonly acknowledge;
  private readonly resolve;
  private readonly falsePositives;
  private readonly executions;

  constructor(meter: Meter = metrics.getMeter('ai-sre')) {
    this.detect = meter.createHistogram('ai_sre.incident.time_to_detect', {
      description: 'First symptom to incident opened',
      unit: 's',
    });
    this.acknowledge = meter.createHistogram(
      'ai_sre.incident.time_to_acknowledge',
      { description: 'Incident opened to acknowledged', unit: 's' },
    );
    this.resolve = meter.createHistogram('ai_sre.incident.time_to_resolve', {
      description: 'First symptom to resolved',
      unit: 's',
    });
    this.falsePositives = meter.createCounter(
      'ai_sre.incident.false_positives',
      { description: 'Incidents people marked as false positives' },
    );
    this.executions = meter.createCounter('ai_sre.executions', {
      description: 'Plan executions by outcome',
    });
  }

  incidentChanged(incident: Incident, change: string) {
    const attributes = {
      entity: incident.entityRef ?? '',
      owner: incident.ownerRef ?? '',
      category: incident.category ?? '',
    };
    const s = (from: string, to: string | null) => seconds(from, to);
    if (change === 'opened') {
      const v = s(incident.startedAt, incident.openedAt);
      if (v !== undefined) this.detect.record(v, attributes);
    }
    if (change === 'acknowledged') {
      const v = s(incident.openedAt, incident.acknowledgedAt);
      if (v !== undefined) this.acknowledge.record(v, attributes);
    }
    if (change === 'resolved') {
      const v = s(incident.startedAt, incident.resolvedAt);
      if (v !== undefined) this.resolve.record(v, attributes);
    }
    if (change === 'false-positive') this.falsePositives.add(1, attributes);
  }

  executed(status: string, incident: Incident) {
    this.executions.add(1, {
      status,
      entity: incident.entityRef ?? '',
      owner: incident.ownerRef ?? '',
    });
  }
}
