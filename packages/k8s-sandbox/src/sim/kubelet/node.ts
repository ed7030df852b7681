/**
 * The kubelet's view of its node: Ready or frozen, pressure conditions,
 * images present, pod IP allocation and the CPU contention model.
 */
import { parseQuantity } from '../../scenario';
import { Obj } from './format';
import type { Timer } from './host';
import type { NodeSide, PodRuntime } from './pod';

export const PRESSURE_CONDITIONS = [
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
] as const;

export type Pressure = (typeof PRESSURE_CONDITIONS)[number];

function conditionTrue(node: Obj, type: string): boolean {
  return (node.status?.conditions ?? []).some(
    (c: Obj) => c.type === type && c.status === 'True',
  );
}

export class NodeRuntime implements NodeSide {
  readonly pods = new Set<PodRuntime>();
  readonly images = new Set<string>();
  frozen = false;
  frozenAt?: number;
  evictTimer?: Timer;
  private ipSeq = 1;

  constructor(
    readonly name: string,
    public obj: Obj,
    private readonly index: number,
  ) {}

  get ready(): boolean {
    return conditionTrue(this.obj, 'Ready');
  }

  get pressures(): Pressure[] {
    return PRESSURE_CONDITIONS.filter(p => conditionTrue(this.obj, p));
  }

  get cpu(): number {
    const raw =
      this.obj.status?.allocatable?.cpu ?? this.obj.status?.capacity?.cpu;
    return raw === undefined ? Infinity : parseQuantity(raw);
  }

  get memory(): number {
    const raw =
      this.obj.status?.allocatable?.memory ?? this.obj.status?.capacity?.memory;
    return raw === undefined ? Infinity : parseQuantity(raw);
  }

  get address(): string {
    const addresses: Obj[] = this.obj.status?.addresses ?? [];
    return (
      addresses.find(a => a.type === 'InternalIP')?.address ??
      `10.0.0.${(this.index % 250) + 1}`
    );
  }

  /** A unique pod IP on this node: 10.<node>.x.y. */
  nextPodIp(): string {
    this.ipSeq += 1;
    if ((this.ipSeq & 0xff) === 0xff) {
      this.ipSeq += 2;
    }
    const n = this.ipSeq;
    return `10.${(this.index % 250) + 1}.${(n >> 8) & 0xff}.${n & 0xff}`;
  }

  /**
   * Shares the node's CPU among its running containers: each gets its
   * demand, capped by its limit and, when the node is oversubscribed, by
   * node CPU × demand / total demand.
   */
  recomputeCpu(now: number): void {
    const running = [];
    let total = 0;
    for (const pod of this.pods) {
      for (const c of pod.allContainers) {
        if (c.running) {
          const b = c.behaviour;
          const demand = b.cpu + b.cpuPerRequest * pod.rps;
          running.push({ c, demand });
          total += demand;
        }
      }
    }
    const capacity = this.cpu;
    const scale = total > capacity ? capacity / total : 1;
    for (const { c, demand } of running) {
      const alloc = Math.min(demand * scale, c.cpuLimit ?? Infinity);
      c.setCpu(now, { demand, alloc });
    }
    for (const pod of this.pods) {
      pod.updateRequestRates(now);
    }
  }
}
