/** What the metrics need from the node agents. */
import type { SimContext } from '../../context';
import type { NodeRuntime } from '../node';
import type { PodRuntime } from '../pod';

export interface MetricsSource {
  readonly ctx: SimContext;
  readonly nodes: Map<string, NodeRuntime>;
  readonly pods: Map<string, PodRuntime>;
  now(): number;
}
