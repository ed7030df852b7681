import { SCENARIO_EPOCH, VirtualClock, WallClock } from './VirtualClock';
import { BinaryHeap } from './heap';

describe('VirtualClock', () => {
  it('starts at the scenario epoch', () => {
    expect(SCENARIO_EPOCH).toBe(Date.UTC(2025, 2, 4));
    expect(new VirtualClock().now()).toBe(SCENARIO_EPOCH);
    expect(new VirtualClock({ start: 5 }).now()).toBe(5);
  });

  it('fires timers in time order, ties in insertion order', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push(`c@${clock.now()}`);
    }, 300);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
    }, 100);
    clock.setTimeout(() => {
      fired.push(`b1@${clock.now()}`);
    }, 200);
    clock.setTimer(200, () => {
      fired.push(`b2@${clock.now()}`);
    });
    clock.setTimeout(() => {
      fired.push(`d@${clock.now()}`);
    }, 1000);
    await clock.advanceBy(500);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.now()).toBe(500);
    expect(clock.nextTimerAt()).toBe(1000);
    await clock.advanceTo(1000);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300', 'd@1000']);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('fires timers added by callbacks when they fall within the advance', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => {
        fired.push(clock.now());
        clock.setTimeout(() => {
          fired.push(clock.now());
        }, 0);
      }, 50);
      clock.setTimeout(() => {
        fired.push(clock.now());
      }, 500);
    }, 10);
    await clock.advanceBy(100);
    expect(fired).toEqual([10, 60, 60]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('awaits async callbacks and settles their microtasks', async () => {
    const clock = new VirtualClock({ start: 0 });
    const log: string[] = [];
    clock.setTimeout(async () => {
      log.push('start');
      await Promise.resolve();
      await new Promise(r => setImmediate(r));
      log.push(`end@${clock.now()}`);
    }, 10);
    clock.setTimeout(() => {
      log.push(`next@${clock.now()}`);
    }, 10);
    // Work queued from a callback without awaiting still runs first.
    clock.setTimeout(() => {
      void Promise.resolve().then(() =>
        clock.setTimeout(() => {
          log.push(`queued@${clock.now()}`);
        }, 5),
      );
    }, 20);
    await clock.advanceBy(30);
    expect(log).toEqual(['start', 'end@10', 'next@10', 'queued@25']);
  });

  it('runs intervals and clears them', async () => {
    const clock = new VirtualClock({ start: 0 });
    const ticks: number[] = [];
    const handle = clock.setInterval(() => {
      ticks.push(clock.now());
      if (ticks.length === 3) {
        clock.clear(handle);
      }
    }, 15);
    await clock.advanceBy(100);
    expect(ticks).toEqual([15, 30, 45]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears timeouts, including ones cleared by an earlier timer', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: string[] = [];
    const late = clock.setTimeout(() => {
      fired.push('late');
    }, 20);
    clock.setTimeout(() => {
      fired.push('early');
      clock.clear(late);
    }, 10);
    const other = clock.setTimeout(() => {
      fired.push('other');
    }, 5);
    clock.clear(other);
    clock.clear(undefined);
    await clock.advanceBy(50);
    expect(fired).toEqual(['early']);
  });

  it('treats times in the past as due now', async () => {
    const clock = new VirtualClock({ start: 1000 });
    const fired: number[] = [];
    clock.setTimer(10, () => {
      fired.push(clock.now());
    });
    expect(clock.nextTimerAt()).toBe(1000);
    await clock.advanceBy(0);
    expect(fired).toEqual([1000]);
    await clock.advanceTo(500);
    expect(clock.now()).toBe(1000);
  });

  it('notifies tick listeners after every advance', async () => {
    const clock = new VirtualClock({ start: 0 });
    const ticks: number[] = [];
    const off = clock.onTick(now => ticks.push(now));
    await clock.advanceBy(10);
    await clock.advanceTo(25);
    off();
    await clock.advanceBy(5);
    expect(ticks).toEqual([10, 25]);
  });

  it('serialises concurrent advances', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: number[] = [];
    clock.setTimeout(async () => {
      await new Promise(r => setImmediate(r));
      fired.push(clock.now());
    }, 10);
    clock.setTimeout(() => {
      fired.push(clock.now());
    }, 30);
    const a = clock.advanceBy(20);
    const b = clock.advanceBy(20);
    await Promise.all([a, b]);
    expect(fired).toEqual([10, 30]);
    expect(clock.now()).toBe(40);
  });

  it('rejects advancing from inside a callback', async () => {
    const clock = new VirtualClock({ start: 0 });
    let inner: Promise<void> | undefined;
    clock.setTimeout(() => {
      inner = clock.advanceBy(10);
      inner.catch(() => undefined);
    }, 5);
    await clock.advanceBy(10);
    await expect(inner).rejects.toThrow(/inside a timer callback/);
  });

  it('rejects invalid arguments', async () => {
    const clock = new VirtualClock({ start: 0 });
    await expect(clock.advanceBy(-1)).rejects.toThrow(RangeError);
    await expect(clock.advanceTo(Number.NaN)).rejects.toThrow(RangeError);
    expect(() => clock.setInterval(() => undefined, 0)).toThrow(RangeError);
    expect(() => clock.runAtSpeed(0)).toThrow(RangeError);
  });

  it('propagates callback errors, or reports them to onError', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 10);
    clock.setTimeout(() => {
      fired.push(clock.now());
    }, 20);
    await expect(clock.advanceBy(30)).rejects.toThrow('boom');
    expect(clock.now()).toBe(10);
    await clock.advanceBy(20);
    expect(fired).toEqual([20]);

    const errors: unknown[] = [];
    const tolerant = new VirtualClock({
      start: 0,
      onError: e => errors.push(e),
    });
    tolerant.setTimeout(() => Promise.reject(new Error('async boom')), 1);
    tolerant.setTimeout(() => {
      fired.push(tolerant.now());
    }, 2);
    await tolerant.advanceBy(5);
    expect(errors).toHaveLength(1);
    expect(fired).toEqual([20, 2]);
  });

  it('handles thousands of timers', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: number[] = [];
    const handles = [];
    for (let i = 0; i < 5000; i++) {
      const at = (i * 7919) % 10007;
      handles.push(
        clock.setTimer(at, () => {
          fired.push(at);
        }),
      );
    }
    for (let i = 0; i < 5000; i += 2) {
      clock.clear(handles[i]);
    }
    expect(clock.pendingTimers).toBe(2500);
    await clock.advanceBy(20000);
    expect(fired).toHaveLength(2500);
    expect([...fired].sort((a, b) => a - b)).toEqual(fired);
  });

  it('runs at a multiple of wall speed', async () => {
    const clock = new VirtualClock({ start: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
    }, 2000);
    const ticks: number[] = [];
    clock.onTick(now => ticks.push(now));
    const stop = clock.runAtSpeed(1000, { maxStepMs: 10 });
    expect(clock.isRunning).toBe(true);
    expect(() => clock.runAtSpeed(2)).toThrow(/already active/);
    await new Promise(r => setTimeout(r, 150));
    stop();
    expect(clock.isRunning).toBe(false);
    expect(fired).toEqual([2000]);
    const stoppedAt = clock.now();
    expect(stoppedAt).toBeGreaterThan(2000);
    expect(stoppedAt).toBeLessThan(1000 * 2000);
    expect(ticks.length).toBeGreaterThan(1);
    await new Promise(r => setTimeout(r, 30));
    expect(clock.now()).toBe(stoppedAt);
  });
});

describe('WallClock', () => {
  it('reads the real time', () => {
    const before = Date.now();
    const now = new WallClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('BinaryHeap', () => {
  it('pops in order and filters', () => {
    const heap = new BinaryHeap<number>((a, b) => a < b);
    const values = Array.from({ length: 200 }, (_, i) => (i * 37) % 101);
    values.forEach(v => heap.push(v));
    heap.filter(v => v % 2 === 0);
    const out: number[] = [];
    while (heap.size > 0) {
      out.push(heap.pop() as number);
    }
    expect(out).toEqual(values.filter(v => v % 2 === 0).sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});
