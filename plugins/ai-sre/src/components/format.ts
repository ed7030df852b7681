import { DateTime, Duration } from 'luxon';

/** "3 min ago" style, from an ISO time. */
export function relativeTime(iso: string): string {
  return DateTime.fromISO(iso).toRelative() ?? iso;
}

/** A short human duration between two ISO times, e.g. "1m 30s". */
export function durationBetween(fromIso: string, toIso: string | null): string {
  if (!toIso) {
    return '—';
  }
  const ms = Math.max(
    0,
    DateTime.fromISO(toIso).toMillis() - DateTime.fromISO(fromIso).toMillis(),
  );
  const duration = Duration.fromMillis(ms).shiftTo(
    'hours',
    'minutes',
    'seconds',
  );
  const parts: string[] = [];
  if (duration.hours) parts.push(`${duration.hours}h`);
  if (duration.minutes) parts.push(`${duration.minutes}m`);
  if (duration.seconds || parts.length === 0) {
    parts.push(`${Math.round(duration.seconds)}s`);
  }
  return parts.join(' ');
}
