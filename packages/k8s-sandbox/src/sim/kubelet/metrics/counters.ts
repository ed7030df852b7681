/**
 * Counters that integrate piecewise-constant rates exactly on the virtual
 * clock: a rate change first adds `rate × elapsed` to the total, and a read
 * adds the part since the last change.
 */
export class RateCounters {
  private readonly totals: Float64Array;
  private readonly rates: Float64Array;
  private since: number;
  private paused = false;

  constructor(size: number, now: number) {
    this.totals = new Float64Array(size);
    this.rates = new Float64Array(size);
    this.since = now;
  }

  /** Sets new rates (per second) from `now` on. */
  setRates(now: number, rates: ArrayLike<number>): void {
    this.settle(now);
    for (let i = 0; i < this.rates.length; i++) {
      this.rates[i] = rates[i] ?? 0;
    }
  }

  /** Stops counting (a frozen node) until {@link resume}. */
  pause(now: number): void {
    this.settle(now);
    this.paused = true;
  }

  resume(now: number): void {
    this.settle(now);
    this.paused = false;
  }

  /** Totals at `now`. */
  read(now: number): number[] {
    const dt = this.paused ? 0 : Math.max(0, now - this.since) / 1000;
    const out = new Array<number>(this.totals.length);
    for (let i = 0; i < this.totals.length; i++) {
      out[i] = this.totals[i] + this.rates[i] * dt;
    }
    return out;
  }

  rate(i: number): number {
    return this.paused ? 0 : this.rates[i];
  }

  private settle(now: number): void {
    if (!this.paused && now > this.since) {
      const dt = (now - this.since) / 1000;
      for (let i = 0; i < this.totals.length; i++) {
        this.totals[i] += this.rates[i] * dt;
      }
    }
    this.since = Math.max(this.since, now);
  }
}
