import { DateTime, Duration } from 'luxon';

/** "3 min ago" style, from an ISO time. */
export function relativeTime(iso: string): string {
  return DateTime.fromISO(iso).toRelative() ?? iso;
}

/** An absolute local time with seconds, e.g. "Mar 4, 2025, 12:01:40 AM". */
export function absoluteTime(iso: string): string {
  const time = DateTime.fromISO(iso);
  return time.isValid
    ? time.toLocaleString(DateTime.DATETIME_MED_WITH_SECONDS)
    : iso;
}

/** A short human duration, e.g. "1m 30s", "2h 5m", "850ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '—';
  }
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  const duration = Duration.fromMillis(ms).shiftTo(
    'days',
    'hours',
    'minutes',
    'seconds',
  );
  const parts: string[] = [];
  if (duration.days) parts.push(`${duration.days}d`);
  if (duration.hours) parts.push(`${duration.hours}h`);
  if (duration.minutes && parts.length < 2) parts.push(`${duration.minutes}m`);
  if ((duration.seconds && parts.length < 2) || parts.length === 0) {
    parts.push(`${Math.round(duration.seconds)}s`);
  }
  return parts.slice(0, 2).join(' ');
}

/** Milliseconds between two ISO times; undefined when the second is missing. */
export function millisBetween(
  fromIso: string,
  toIso: string | null | undefined,
): number | undefined {
  if (!toIso) {
    return undefined;
  }
  return Math.max(
    0,
    DateTime.fromISO(toIso).toMillis() - DateTime.fromISO(fromIso).toMillis(),
  );
}

/** A short human duration between two ISO times, e.g. "1m 30s". */
export function durationBetween(fromIso: string, toIso: string | null): string {
  const ms = millisBetween(fromIso, toIso);
  return ms === undefined ? '—' : formatDuration(ms);
}

/** 0.873 → "87%". */
export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/** A value of a diff or parameter, shown compactly. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
