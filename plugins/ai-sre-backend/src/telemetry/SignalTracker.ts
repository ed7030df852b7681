import {
  formatObjectRef,
  ObjectRef,
  Signal,
  SIGNAL_SCHEMA_VERSION,
} from '@internal/plugin-ai-sre-common';
import type {
  AiSreClock,
  AiSreDetector,
  DetectorFinding,
} from '@internal/plugin-ai-sre-node';
import { createHash, randomUUID } from 'node:crypto';

export type SignalEventType = 'opened' | 'updated' | 'resolved';

export interface SignalEvent {
  type: SignalEventType;
  signal: Signal;
}

/** Where a finding's object sits: its owners, workload and labels. */
export interface FindingPlacement {
  ownerChain: ObjectRef[];
  workload: ObjectRef;
  labels: Record<string, string>;
}

interface Tracked {
  fingerprint: string;
  source: string;
  detector: AiSreDetector;
  finding: DetectorFinding;
  firstObserved: number;
  lastObserved: number;
  goneSince?: number;
  signal?: Signal;
  lastPublished?: number;
  publishedCount?: number;
}

export interface SignalTrackerOptions {
  cluster: string;
  clock: AiSreClock;
  /** Places a finding's object in its owner chain. */
  place(object: ObjectRef): FindingPlacement;
  /** Receives every opened, updated and resolved signal, in order. */
  emit(event: SignalEvent): void;
  /** Minimum ms between two `updated` events of one signal. Default 30s. */
  updateIntervalMs?: number;
}

export function fingerprintOf(
  cluster: string,
  detector: string,
  object: ObjectRef,
  key?: string,
): string {
  return createHash('sha1')
    .update(
      [cluster, detector, formatObjectRef(object), key ?? ''].join('\u0000'),
    )
    .digest('hex');
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Turns level-triggered findings into signals: a finding that persists for
 * its detector's debounce opens a signal; sightings update it (count, last
 * seen); a finding gone for the detector's resolve time resolves it. The
 * same problem seen again (after a relist, a dropped watch, a restart with
 * `restore`) keeps its fingerprint and its signal: nothing is duplicated.
 */
export class SignalTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly bySource = new Map<string, Set<string>>();

  constructor(private readonly options: SignalTrackerOptions) {}

  /** Carries on signals that were active before a restart. */
  restore(signals: Signal[], detectors: Map<string, AiSreDetector>): void {
    const now = this.options.clock.now();
    for (const signal of signals) {
      const detector = detectors.get(signal.detector);
      if (!detector || signal.status !== 'active') continue;
      this.tracked.set(signal.fingerprint, {
        fingerprint: signal.fingerprint,
        source: `restored:${signal.fingerprint}`,
        detector,
        finding: {
          object: signal.object,
          reason: signal.reason,
          message: signal.message,
          count: signal.count,
        },
        firstObserved: Date.parse(signal.firstSeen),
        lastObserved: now,
        // Until a detector reports it again, it counts as gone.
        goneSince: now,
        signal,
        lastPublished: now,
        publishedCount: signal.count,
      });
    }
  }

  /**
   * The findings one source (a detector evaluating one object, or a periodic
   * detector) reports now; findings it no longer reports start to resolve.
   */
  report(
    detector: AiSreDetector,
    source: string,
    findings: DetectorFinding[],
  ): void {
    const now = this.options.clock.now();
    const current = new Set<string>();
    for (const finding of findings) {
      const fingerprint = fingerprintOf(
        this.options.cluster,
        detector.id,
        finding.object,
        finding.key,
      );
      current.add(fingerprint);
      const existing = this.tracked.get(fingerprint);
      if (existing) {
        if (existing.source !== source) {
          this.bySource.get(existing.source)?.delete(fingerprint);
          existing.source = source;
        }
        existing.finding = finding;
        existing.lastObserved = now;
        existing.goneSince = undefined;
      } else {
        this.tracked.set(fingerprint, {
          fingerprint,
          source,
          detector,
          finding,
          firstObserved: Math.min(now, finding.since ?? now),
          lastObserved: now,
        });
      }
    }
    const gone = this.markGone(source, current, now);
    const next = new Set(
      [...(this.bySource.get(source) ?? [])].filter(fp => this.tracked.has(fp)),
    );
    for (const fingerprint of current) next.add(fingerprint);
    if (next.size) {
      this.bySource.set(source, next);
    } else {
      this.bySource.delete(source);
    }
    this.advance(now, [...current, ...gone]);
  }

  /** Every finding of a source disappears (its object was deleted). */
  forget(source: string): void {
    const now = this.options.clock.now();
    this.advance(now, this.markGone(source, new Set(), now));
  }

  /** Marks the source's findings not in `current` as gone; returns them. */
  private markGone(
    source: string,
    current: Set<string>,
    now: number,
  ): string[] {
    const gone: string[] = [];
    for (const fingerprint of this.bySource.get(source) ?? []) {
      if (current.has(fingerprint)) continue;
      const entry = this.tracked.get(fingerprint);
      if (entry && entry.goneSince === undefined) {
        entry.goneSince = now;
        gone.push(fingerprint);
      }
    }
    return gone;
  }

  /** Opens, updates and resolves by the clock; call periodically. */
  tick(): void {
    this.advance(this.options.clock.now());
  }

  /** Signals open now. */
  active(): Signal[] {
    return [...this.tracked.values()]
      .filter(entry => entry.signal && entry.signal.status === 'active')
      .map(entry => this.current(entry));
  }

  /** Findings waiting for their debounce to pass. */
  pendingCount(): number {
    return [...this.tracked.values()].filter(entry => !entry.signal).length;
  }

  /** Replaces the evidence logs of an open signal (after capture). */
  attachLogs(fingerprint: string, logs: Signal['evidence']['logs']): void {
    const entry = this.tracked.get(fingerprint);
    if (!entry?.signal) return;
    entry.signal = {
      ...entry.signal,
      evidence: { ...entry.signal.evidence, logs },
    };
    this.options.emit({ type: 'updated', signal: this.current(entry) });
  }

  /** Applies time-based transitions to some entries (default: all). */
  private advance(now: number, fingerprints?: string[]): void {
    const entries = fingerprints
      ? fingerprints
          .map(fp => this.tracked.get(fp))
          .filter((e): e is Tracked => !!e)
      : [...this.tracked.values()];
    for (const entry of entries) {
      const resolveMs = (entry.detector.resolveSeconds ?? 60) * 1000;
      if (entry.goneSince !== undefined) {
        if (!entry.signal) {
          this.drop(entry);
        } else if (now - entry.goneSince >= resolveMs) {
          const resolved: Signal = {
            ...this.current(entry),
            status: 'resolved',
            resolvedAt: iso(now),
          };
          this.drop(entry);
          this.options.emit({ type: 'resolved', signal: resolved });
        }
        continue;
      }
      if (!entry.signal) {
        if (
          now - entry.firstObserved >=
          entry.detector.debounceSeconds * 1000
        ) {
          entry.signal = this.open(entry);
          entry.lastPublished = now;
          entry.publishedCount = entry.signal.count;
          this.options.emit({ type: 'opened', signal: entry.signal });
        }
        continue;
      }
      const changed =
        (entry.finding.count ?? 1) !== entry.publishedCount ||
        entry.finding.message !== entry.signal.message;
      if (
        changed &&
        now - (entry.lastPublished ?? 0) >=
          (this.options.updateIntervalMs ?? 30_000)
      ) {
        entry.signal = this.current(entry);
        entry.lastPublished = now;
        entry.publishedCount = entry.signal.count;
        this.options.emit({ type: 'updated', signal: entry.signal });
      }
    }
  }

  private drop(entry: Tracked): void {
    this.tracked.delete(entry.fingerprint);
    const source = this.bySource.get(entry.source);
    source?.delete(entry.fingerprint);
    if (source?.size === 0) this.bySource.delete(entry.source);
  }

  private open(entry: Tracked): Signal {
    const { finding, detector } = entry;
    const placement = this.options.place(finding.object);
    return {
      schemaVersion: SIGNAL_SCHEMA_VERSION,
      id: randomUUID(),
      fingerprint: entry.fingerprint,
      detector: detector.id,
      severity: finding.severity ?? detector.severity,
      cluster: this.options.cluster,
      object: finding.object,
      ownerChain: placement.ownerChain,
      workload: placement.workload,
      labels: placement.labels,
      reason: finding.reason,
      message: finding.message,
      status: 'active',
      firstSeen: iso(entry.firstObserved),
      lastSeen: iso(entry.lastObserved),
      resolvedAt: null,
      count: Math.max(1, finding.count ?? 1),
      evidence: {
        fields: finding.fields ?? {},
        events: finding.events ?? [],
        logs: [],
        metrics: finding.metrics ?? [],
      },
      entityRefs: [],
    };
  }

  /** The open signal with the latest sighting folded in. */
  private current(entry: Tracked): Signal {
    const signal = entry.signal!;
    const { finding } = entry;
    return {
      ...signal,
      severity: finding.severity ?? signal.severity,
      reason: finding.reason,
      message: finding.message,
      lastSeen: iso(entry.lastObserved),
      count: Math.max(signal.count, finding.count ?? signal.count),
      evidence: {
        fields: finding.fields ?? signal.evidence.fields,
        events: finding.events ?? signal.evidence.events,
        logs: signal.evidence.logs,
        metrics: finding.metrics ?? signal.evidence.metrics,
      },
    };
  }

  /** The pending or open entry of a fingerprint (tests, log capture). */
  lookup(fingerprint: string) {
    const entry = this.tracked.get(fingerprint);
    return entry && { finding: entry.finding, signal: entry.signal };
  }
}
