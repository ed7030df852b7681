import { Incident } from '@internal/plugin-ai-sre-common';
import { DateTime } from 'luxon';

/**
 * Reliability figures of a set of incidents, computed in the browser from
 * the incident list (the backend has no metrics route yet).
 *
 * - MTTD, mean time to detect: first symptom → incident opened.
 * - MTTA, mean time to acknowledge: opened → acknowledged, over the
 *   acknowledged incidents.
 * - MTTR, mean time to resolve: first symptom → resolved, over the
 *   resolved incidents (false positives excluded).
 * - False-positive rate: incidents marked as false positives / all.
 */
export interface ReliabilityStats {
  incidents: number;
  acknowledged: number;
  resolved: number;
  falsePositives: number;
  mttdMs?: number;
  mttaMs?: number;
  mttrMs?: number;
  falsePositiveRate?: number;
}

const ms = (iso: string) => DateTime.fromISO(iso).toMillis();

function mean(values: number[]): number | undefined {
  return values.length
    ? values.reduce((sum, v) => sum + v, 0) / values.length
    : undefined;
}

export function reliabilityStats(incidents: Incident[]): ReliabilityStats {
  const detect: number[] = [];
  const acknowledge: number[] = [];
  const resolve: number[] = [];
  let falsePositives = 0;
  for (const incident of incidents) {
    detect.push(Math.max(0, ms(incident.openedAt) - ms(incident.startedAt)));
    if (incident.acknowledgedAt) {
      acknowledge.push(
        Math.max(0, ms(incident.acknowledgedAt) - ms(incident.openedAt)),
      );
    }
    if (incident.status === 'false-positive') {
      falsePositives += 1;
    } else if (incident.status === 'resolved' && incident.resolvedAt) {
      resolve.push(
        Math.max(0, ms(incident.resolvedAt) - ms(incident.startedAt)),
      );
    }
  }
  return {
    incidents: incidents.length,
    acknowledged: acknowledge.length,
    resolved: resolve.length,
    falsePositives,
    mttdMs: mean(detect),
    mttaMs: mean(acknowledge),
    mttrMs: mean(resolve),
    falsePositiveRate: incidents.length
      ? falsePositives / incidents.length
      : undefined,
  };
}

export type GroupBy = 'entity' | 'owner';

/** Stats per entity or per owning group, busiest first. */
export function statsByGroup(
  incidents: Incident[],
  groupBy: GroupBy,
): Array<{ key: string; stats: ReliabilityStats }> {
  const groups = new Map<string, Incident[]>();
  for (const incident of incidents) {
    const key =
      (groupBy === 'entity' ? incident.entityRef : incident.ownerRef) ??
      '(unknown)';
    groups.set(key, [...(groups.get(key) ?? []), incident]);
  }
  return [...groups.entries()]
    .map(([key, items]) => ({ key, stats: reliabilityStats(items) }))
    .sort(
      (a, b) =>
        b.stats.incidents - a.stats.incidents || a.key.localeCompare(b.key),
    );
}

export type Bucket = 'day' | 'week';

/** Stats per day or ISO week of opening, oldest first, without gaps. */
export function statsOverTime(
  incidents: Incident[],
  bucket: Bucket,
): Array<{ start: string; stats: ReliabilityStats }> {
  if (!incidents.length) return [];
  const startOf = (iso: string) =>
    DateTime.fromISO(iso, { zone: 'utc' }).startOf(bucket);
  const groups = new Map<string, Incident[]>();
  for (const incident of incidents) {
    const key = startOf(incident.openedAt).toISODate()!;
    groups.set(key, [...(groups.get(key) ?? []), incident]);
  }
  const starts = [...groups.keys()].sort();
  const result: Array<{ start: string; stats: ReliabilityStats }> = [];
  const last = DateTime.fromISO(starts[starts.length - 1], { zone: 'utc' });
  for (
    let at = DateTime.fromISO(starts[0], { zone: 'utc' });
    at <= last;
    at = at.plus(bucket === 'day' ? { days: 1 } : { weeks: 1 })
  ) {
    const key = at.toISODate()!;
    result.push({ start: key, stats: reliabilityStats(groups.get(key) ?? []) });
  }
  return result;
}

/** How many incidents each root-cause category had, most first. */
export function incidentsByCategory(
  incidents: Incident[],
): Array<{ category: string; count: number }> {
  const counts = new Map<string, number>();
  for (const incident of incidents) {
    const category = incident.category ?? 'under analysis';
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([category, count]) => ({ category, count }))
    .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
}
