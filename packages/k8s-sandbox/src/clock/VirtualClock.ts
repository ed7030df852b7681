import { AsyncLocalStorage } from 'node:async_hooks';
import { BinaryHeap } from './heap';

/** A source of the current time, in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Where every scenario's virtual clock starts: 2025-03-04T00:00:00Z. */
export const SCENARIO_EPOCH = Date.parse('2025-03-04T00:00:00Z');

/** The real time. */
export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A timer callback; a returned promise is awaited before the next timer. */
export type TimerCallback = () => void | Promise<void>;

/** Identifies a timer created by a {@link VirtualClock}. */
export interface TimerHandle {
  readonly id: number;
}

/** Called after every advance of a {@link VirtualClock}, with its time. */
export type TickListener = (now: number) => void;

export interface VirtualClockOptions {
  /** Start time in epoch ms; default {@link SCENARIO_EPOCH}. */
  start?: number;
  /**
   * Receives errors thrown by timer callbacks and tick listeners. Without it
   * an error rejects the advance that ran the callback: time stays at that
   * timer's time and later timers stay pending.
   */
  onError?: (error: unknown) => void;
}

export interface RunAtSpeedOptions {
  /** Longest wall-clock wait between two advances, in ms; default 50. */
  maxStepMs?: number;
  /** Receives errors from the advances; default `console.error`. */
  onError?: (error: unknown) => void;
}

interface TimerEntry {
  readonly id: number;
  readonly at: number;
  readonly seq: number;
  readonly fn: TimerCallback;
  readonly periodMs?: number;
}

// Captured at load so that tests with fake timers do not stall the clock.
const realSetImmediate = globalThis.setImmediate;

function settle(): Promise<void> {
  return new Promise<void>(resolve => realSetImmediate(resolve));
}

function assertTime(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`VirtualClock: ${what} must be a finite number`);
  }
}

/**
 * A simulated clock. Time only moves when {@link VirtualClock.advanceBy} or
 * {@link VirtualClock.advanceTo} is called (or while
 * {@link VirtualClock.runAtSpeed} drives it from wall time); timers fire in
 * time order, ties in the order they were created.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private nextId = 1;
  private readonly heap = new BinaryHeap<TimerEntry>((a, b) =>
    a.at === b.at ? a.seq < b.seq : a.at < b.at,
  );
  /** The live entry of each timer; heap entries not in here are stale. */
  private readonly active = new Map<number, TimerEntry>();
  private readonly listeners = new Set<TickListener>();
  private readonly inCallback = new AsyncLocalStorage<true>();
  private readonly onError?: (error: unknown) => void;
  private queue: Promise<void> = Promise.resolve();
  private advancing = false;
  private runner?: { stop(): void };

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start ?? SCENARIO_EPOCH;
    assertTime(start, 'start');
    this.current = start;
    this.onError = options.onError;
  }

  now(): number {
    return this.current;
  }

  /** Number of pending timers (intervals count once). */
  get pendingTimers(): number {
    return this.active.size;
  }

  /** Whether an advance is in progress. */
  get isAdvancing(): boolean {
    return this.advancing;
  }

  /** Whether {@link VirtualClock.runAtSpeed} is driving the clock. */
  get isRunning(): boolean {
    return this.runner !== undefined;
  }

  /**
   * Calls `fn` when the clock reaches `atMs` (epoch ms). A time in the past
   * fires at the next advance.
   */
  setTimer(atMs: number, fn: TimerCallback): TimerHandle {
    assertTime(atMs, 'timer time');
    return this.schedule(this.nextId++, Math.max(atMs, this.current), fn);
  }

  /** Calls `fn` once, `delayMs` from now. */
  setTimeout(fn: TimerCallback, delayMs: number): TimerHandle {
    assertTime(delayMs, 'delay');
    return this.setTimer(this.current + Math.max(0, delayMs), fn);
  }

  /** Calls `fn` every `periodMs`, the first time `periodMs` from now. */
  setInterval(fn: TimerCallback, periodMs: number): TimerHandle {
    assertTime(periodMs, 'period');
    if (periodMs <= 0) {
      throw new RangeError('VirtualClock: interval period must be positive');
    }
    return this.schedule(this.nextId++, this.current + periodMs, fn, periodMs);
  }

  /** Cancels a timer; unknown or already fired handles are ignored. */
  clear(handle: TimerHandle | undefined): void {
    if (!handle || !this.active.delete(handle.id)) {
      return;
    }
    // Stale entries are skipped lazily; compact when they dominate.
    if (this.heap.size > 64 && this.heap.size > 2 * this.active.size) {
      this.heap.filter(entry => this.active.get(entry.id) === entry);
    }
  }

  /** Cancels every timer. */
  clearAll(): void {
    this.active.clear();
    this.heap.clear();
  }

  /** Time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.peekLive()?.at;
  }

  /** Registers a listener called after every advance; returns its remover. */
  onTick(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advanceBy(ms: number): Promise<void> {
    try {
      assertTime(ms, 'advanceBy duration');
      if (ms < 0) {
        throw new RangeError('VirtualClock: cannot advance by a negative time');
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(() => this.runUntil(this.current + ms));
  }

  /**
   * Moves time forward to `t` (epoch ms), firing every timer due on the way.
   * A `t` in the past does not move time back; timers already due still fire.
   */
  advanceTo(t: number): Promise<void> {
    try {
      assertTime(t, 'advanceTo time');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(() => this.runUntil(Math.max(t, this.current)));
  }

  /**
   * Drives the clock from wall time: `speed` simulated ms per wall ms (1 is
   * real time, 60 is a simulated minute per wall second). Returns a function
   * that stops it. Manual advances may be mixed in; they are serialised.
   */
  runAtSpeed(speed: number, options: RunAtSpeedOptions = {}): () => void {
    if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0) {
      throw new RangeError('VirtualClock: speed must be a positive number');
    }
    if (this.runner) {
      throw new Error(
        'VirtualClock: runAtSpeed is already active; call its stop function first',
      );
    }
    const maxStepMs = options.maxStepMs ?? 50;
    // eslint-disable-next-line no-console
    const onError = options.onError ?? ((e: unknown) => console.error(e));
    let stopped = false;
    let handle: ReturnType<typeof setTimeout> | undefined;
    let lastWall = performance.now();

    const step = async (): Promise<void> => {
      handle = undefined;
      if (stopped) {
        return;
      }
      const wall = performance.now();
      const target = this.current + (wall - lastWall) * speed;
      lastWall = wall;
      try {
        await this.enqueue(() =>
          this.runUntil(Math.max(target, this.current), () => stopped),
        );
      } catch (error) {
        onError(error);
      }
      if (stopped) {
        return;
      }
      let delay = maxStepMs;
      const next = this.nextTimerAt();
      if (next !== undefined) {
        delay = Math.min(delay, Math.max(0, (next - this.current) / speed));
      }
      handle = setTimeout(() => void step(), Math.max(1, delay));
    };

    const runner = {
      stop: () => {
        if (stopped) {
          return;
        }
        stopped = true;
        if (handle !== undefined) {
          clearTimeout(handle);
        }
        if (this.runner === runner) {
          this.runner = undefined;
        }
      },
    };
    const stop = runner.stop;
    this.runner = runner;
    // Timers created by the driver must not count as "inside a callback".
    this.inCallback.exit(() => {
      handle = setTimeout(() => void step(), 0);
    });
    return stop;
  }

  private schedule(
    id: number,
    at: number,
    fn: TimerCallback,
    periodMs?: number,
  ): TimerHandle {
    const entry: TimerEntry = { id, at, seq: this.seq++, fn, periodMs };
    this.active.set(id, entry);
    this.heap.push(entry);
    return { id };
  }

  private peekLive(): TimerEntry | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || this.active.get(top.id) === top) {
        return top;
      }
      this.heap.pop();
    }
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    if (this.inCallback.getStore()) {
      return Promise.reject(
        new Error(
          'VirtualClock: advanceBy/advanceTo was called from inside a timer ' +
            'callback or tick listener; this would deadlock. Schedule a ' +
            'timer instead of advancing the clock from a callback.',
        ),
      );
    }
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runUntil(
    target: number,
    cancelled: () => boolean = () => false,
  ): Promise<void> {
    this.advancing = true;
    let failed = false;
    try {
      for (;;) {
        await settle();
        // A stopped runAtSpeed leaves the clock where it is.
        if (cancelled()) return;
        const next = this.peekLive();
        if (next === undefined || next.at > target) {
          break;
        }
        this.heap.pop();
        this.current = Math.max(this.current, next.at);
        if (next.periodMs !== undefined) {
          this.schedule(
            next.id,
            next.at + next.periodMs,
            next.fn,
            next.periodMs,
          );
        } else {
          this.active.delete(next.id);
        }
        await this.call(next.fn);
      }
      if (!cancelled()) this.current = Math.max(this.current, target);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.advancing = false;
      try {
        this.notify();
      } catch (error) {
        // A timer's error takes precedence over a listener's.
        if (!failed) {
          // eslint-disable-next-line no-unsafe-finally
          throw error;
        }
      }
    }
  }

  private async call(fn: TimerCallback): Promise<void> {
    try {
      await this.inCallback.run(true, async () => {
        await fn();
      });
    } catch (error) {
      if (!this.onError) {
        throw error;
      }
      this.onError(error);
    }
  }

  private notify(): void {
    const now = this.current;
    let firstError: { error: unknown } | undefined;
    for (const listener of [...this.listeners]) {
      try {
        this.inCallback.run(true, () => listener(now));
      } catch (error) {
        if (this.onError) {
          this.onError(error);
        } else {
          firstError ??= { error };
        }
      }
    }
    if (firstError) {
      throw firstError.error;
    }
  }
}
