/**
 * What a pod or container runtime needs from the kubelet that runs it: the
 * simulation context, timers, events and cluster-wide lookups. Implemented
 * by the node agents (agents.ts); kept narrow so runtimes stay testable.
 */
import type { ImageBehaviour } from '../../scenario';
import type { SimContext } from '../context';
import type { EventType } from '../events';
import type { Obj } from './format';

export interface Timer {
  cancel(): void;
}

export interface KubeletHost {
  readonly ctx: SimContext;
  now(): number;
  /** A timer at `at` (epoch ms); no-op once the agents stop. */
  timer(at: number, fn: () => void): Timer;
  /** An event on a pod (fieldPath for a container). */
  podEvent(
    pod: Obj,
    type: EventType,
    reason: string,
    message: string,
    fieldPath?: string,
  ): void;
  nodeEvent(
    node: string,
    type: EventType,
    reason: string,
    message: string,
  ): void;
  /** True while the scenario's objects settle at t=0 (warm start). */
  warm(): boolean;
  /** The image's behaviour as the scenario and `image` steps define it. */
  image(image: string): ImageBehaviour | undefined;
  /** Whether `Service/namespace/name` has no ready endpoint serving it. */
  serviceDown(namespace: string, name: string): boolean;
  isBlocked(workload: string, target: string): boolean;
  imagePresent(node: string, image: string): boolean;
  markImagePresent(node: string, image: string): void;
}
