/**
 * A controller work queue on the virtual clock: keys added while a round is
 * pending are deduplicated; a round runs in a zero-delay timer, so writes
 * never happen inside a watch callback and everything stays deterministic.
 */
import type { TimerHandle, VirtualClock } from '../../clock';

/** Handles one key; may return a delay (ms) after which to look again. */
export type SyncHandler = (key: string) => number | void | undefined;

export class WorkQueue {
  private pending = new Set<string>();
  private round?: TimerHandle;
  private readonly later = new Map<string, { at: number; h: TimerHandle }>();
  private stopped = false;

  constructor(
    private readonly clock: VirtualClock,
    private readonly name: string,
    private readonly handler: SyncHandler,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.round) {
      this.round = this.clock.setTimeout(() => this.run(), 0);
    }
  }

  /** Adds `key` after `delayMs`, keeping the earliest such request. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const existing = this.later.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clear(existing.h);
    const h = this.clock.setTimer(at, () => {
      this.later.delete(key);
      this.add(key);
    });
    this.later.set(key, { at, h });
  }

  stop(): void {
    this.stopped = true;
    this.clock.clear(this.round);
    for (const { h } of this.later.values()) this.clock.clear(h);
    this.later.clear();
    this.pending.clear();
  }

  private run(): void {
    this.round = undefined;
    const keys = this.pending;
    this.pending = new Set();
    for (const key of keys) {
      let again: number | void | undefined;
      try {
        again = this.handler(key);
      } catch (error) {
        // eslint-disable-next-line no-console
        console.error(`k8s-sandbox ${this.name}: sync of ${key} failed`, error);
        again = 1000;
      }
      if (typeof again === 'number' && again >= 0) this.addAfter(key, again);
    }
  }
}
