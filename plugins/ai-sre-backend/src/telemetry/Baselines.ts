/** Exponentially weighted mean and mean absolute deviation per key. */
export class Baselines {
  private readonly values = new Map<
    string,
    { mean: number; deviation: number; samples: number }
  >();

  constructor(private readonly alpha = 0.1) {}

  get(key: string) {
    return this.values.get(key);
  }

  observe(key: string, value: number): void {
    const current = this.values.get(key);
    if (!current) {
      this.values.set(key, { mean: value, deviation: 0, samples: 1 });
      return;
    }
    // Warm up with a plain average, then weight recent values more.
    const weight = Math.max(this.alpha, 1 / (current.samples + 1));
    const mean = current.mean + weight * (value - current.mean);
    const deviation =
      current.deviation +
      weight * (Math.abs(value - current.mean) - current.deviation);
    this.values.set(key, { mean, deviation, samples: current.samples + 1 });
  }
}
