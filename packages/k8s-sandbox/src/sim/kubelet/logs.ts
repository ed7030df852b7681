/**
 * The log of one container instance. The `logs` cycle of the image (a line
 * at start, then one every 30s) is produced lazily from segments, so idle
 * containers cost no timers; raw lines (`log` steps, the exit line) are
 * stored. Only the last {@link MAX_LINES} lines are kept.
 */
import type { LogReadOptions } from '../../api/types';
import { isoNanos } from './format';

export const LOG_INTERVAL_MS = 30_000;
export const MAX_LINES = 1000;

interface Segment {
  start: number;
  /** Exclusive. */
  end?: number;
  lines: readonly string[];
  /** Index into `lines` of the segment's first line. */
  first: number;
}

export interface LogLine {
  t: number;
  line: string;
}

export interface Follower {
  onLine: (line: string) => void;
  onEnd?: () => void;
}

/** Timer access the log needs to stream followed periodic lines. */
export interface LogTimers {
  now(): number;
  setTimer(at: number, fn: () => void): { cancel(): void };
}

export class InstanceLog {
  private segments: Segment[] = [];
  private readonly raw: LogLine[] = [];
  private readonly followers = new Set<Follower>();
  private followTimer?: { cancel(): void };
  private ended?: number;
  private paused?: { next: number; first: number; lines: readonly string[] };
  /** Time of the next periodic line already delivered to followers. */
  private streamedUntil = 0;

  constructor(
    readonly containerId: string,
    private readonly timers: LogTimers,
  ) {}

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** Starts (or restarts) the cycle of `lines` at `at`. */
  startCycle(at: number, lines: readonly string[]): void {
    this.closeSegment(at);
    if (lines.length > 0) {
      this.segments.push({ start: at, lines, first: 0 });
      this.trimSegments();
    }
    this.emitDue(at);
    this.scheduleFollow();
  }

  /** Appends raw lines now (a `log` step or the process's last line). */
  append(at: number, lines: readonly string[]): void {
    if (this.ended !== undefined) {
      return;
    }
    this.emitDue(at);
    for (const line of lines) {
      this.raw.push({ t: at, line });
      for (const f of this.followers) {
        f.onLine(line);
      }
    }
    if (this.raw.length > MAX_LINES * 1.5) {
      this.raw.splice(0, this.raw.length - MAX_LINES);
    }
  }

  /** The node stopped: no lines until {@link resume}. */
  pause(at: number): void {
    const open = this.openSegment();
    if (!open || this.ended !== undefined) {
      return;
    }
    const k = Math.floor((at - open.start) / LOG_INTERVAL_MS) + 1;
    this.paused = {
      next: open.start + k * LOG_INTERVAL_MS - at,
      first: open.first + k,
      lines: open.lines,
    };
    this.emitDue(at);
    open.end = at + 1;
    this.followTimer?.cancel();
    this.followTimer = undefined;
  }

  resume(at: number): void {
    const paused = this.paused;
    this.paused = undefined;
    if (!paused || this.ended !== undefined) {
      return;
    }
    this.segments.push({
      start: at + paused.next,
      lines: paused.lines,
      first: paused.first,
    });
    this.scheduleFollow();
  }

  /** The instance stopped at `at`: followers end. */
  end(at: number): void {
    if (this.ended !== undefined) {
      return;
    }
    this.emitDue(at);
    this.closeSegment(at);
    this.ended = at;
    this.followTimer?.cancel();
    this.followTimer = undefined;
    for (const f of [...this.followers]) {
      f.onEnd?.();
    }
    this.followers.clear();
  }

  /** Lines up to now, oldest first, at most MAX_LINES. */
  lines(now: number): LogLine[] {
    const until = Math.min(now, this.ended ?? now);
    const out: LogLine[] = [];
    for (const segment of this.segments) {
      out.push(...periodicLines(segment, until, MAX_LINES));
    }
    out.push(...this.raw.filter(l => l.t <= until));
    // Stable: periodic lines before raw lines of the same instant.
    out.sort((a, b) => a.t - b.t);
    return out.slice(-MAX_LINES);
  }

  read(now: number, options: LogReadOptions): string[] {
    let lines = this.lines(now);
    if (options.sinceSeconds !== undefined) {
      const since = now - options.sinceSeconds * 1000;
      lines = lines.filter(l => l.t >= since);
    }
    if (options.tailLines !== undefined) {
      lines = options.tailLines > 0 ? lines.slice(-options.tailLines) : [];
    }
    return lines.map(l =>
      options.timestamps ? `${isoNanos(l.t)} ${l.line}` : l.line,
    );
  }

  follow(follower: Follower): () => void {
    if (this.ended !== undefined) {
      follower.onEnd?.();
      return () => {};
    }
    this.followers.add(follower);
    this.streamedUntil = Math.max(this.streamedUntil, this.timers.now() + 1);
    this.scheduleFollow();
    return () => {
      this.followers.delete(follower);
      if (this.followers.size === 0) {
        this.followTimer?.cancel();
        this.followTimer = undefined;
      }
    };
  }

  private openSegment(): Segment | undefined {
    const last = this.segments[this.segments.length - 1];
    return last && last.end === undefined ? last : undefined;
  }

  private closeSegment(at: number): void {
    const open = this.openSegment();
    if (open) {
      open.end = at;
    }
  }

  private trimSegments(): void {
    if (this.segments.length > 32) {
      this.segments.splice(0, this.segments.length - 32);
    }
  }

  /** Delivers periodic lines due up to `at` to followers. */
  private emitDue(at: number): void {
    if (this.followers.size === 0) {
      this.streamedUntil = at + 1;
      return;
    }
    const open = this.openSegment();
    if (!open) {
      this.streamedUntil = at + 1;
      return;
    }
    for (const l of periodicLines(open, at, MAX_LINES)) {
      if (l.t >= this.streamedUntil) {
        for (const f of this.followers) {
          f.onLine(l.line);
        }
      }
    }
    this.streamedUntil = at + 1;
  }

  private scheduleFollow(): void {
    this.followTimer?.cancel();
    this.followTimer = undefined;
    const open = this.openSegment();
    if (!open || this.followers.size === 0 || this.paused) {
      return;
    }
    const now = this.timers.now();
    const k = Math.max(0, Math.ceil((now + 1 - open.start) / LOG_INTERVAL_MS));
    const next = open.start + k * LOG_INTERVAL_MS;
    this.followTimer = this.timers.setTimer(next, () => {
      this.followTimer = undefined;
      this.emitDue(next);
      this.scheduleFollow();
    });
  }
}

function periodicLines(segment: Segment, until: number, max: number) {
  const last = Math.min(until, (segment.end ?? Infinity) - 1);
  if (last < segment.start || segment.lines.length === 0) {
    return [];
  }
  const count = Math.floor((last - segment.start) / LOG_INTERVAL_MS) + 1;
  const out: LogLine[] = [];
  for (let k = Math.max(0, count - max); k < count; k++) {
    out.push({
      t: segment.start + k * LOG_INTERVAL_MS,
      line: segment.lines[(segment.first + k) % segment.lines.length],
    });
  }
  return out;
}
