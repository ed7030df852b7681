import type { ImageBehaviour } from '../scenario';
import type { RefString, ScenarioOverrides } from './context';

/** The run-time state the timeline changes outside the Kubernetes API. */
export class Overrides implements ScenarioOverrides {
  private readonly images: Map<string, ImageBehaviour>;
  private readonly traffic = new Map<RefString, number>();
  private readonly blocked = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly logListeners = new Set<
    (workload: RefString, lines: string[]) => void
  >();

  constructor(images: Record<string, ImageBehaviour>) {
    this.images = new Map(Object.entries(images));
  }

  imageBehaviour(image: string): ImageBehaviour | undefined {
    return this.images.get(image);
  }

  trafficMultiplier(workload: RefString): number {
    return this.traffic.get(workload) ?? 1;
  }

  isBlocked(from: RefString, to: string): boolean {
    return this.blocked.has(`${from}\u0000${to}`);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onLog(listener: (workload: RefString, lines: string[]) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** An `image` step: `set` replaces only the keys it names. */
  setImage(image: string, set: ImageBehaviour): void {
    this.images.set(image, { ...(this.images.get(image) ?? {}), ...set });
    this.changed();
  }

  /** A `traffic` step: replaces earlier multipliers of the workload. */
  setTraffic(workload: RefString, multiplier: number): void {
    this.traffic.set(workload, multiplier);
    this.changed();
  }

  setBlocked(from: RefString, to: string, blocked: boolean): void {
    const key = `${from}\u0000${to}`;
    if (blocked) {
      this.blocked.add(key);
    } else {
      this.blocked.delete(key);
    }
    this.changed();
  }

  writeLog(workload: RefString, lines: string[]): void {
    for (const listener of this.logListeners) {
      listener(workload, lines);
    }
  }

  private changed(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }
}
