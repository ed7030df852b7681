import type { NodeAgents } from '../components';
import type { SimContext } from '../context';
import { Kubelets } from './agents';

/** Starts one kubelet per node of the simulated cluster. */
export function startNodeAgents(ctx: SimContext): NodeAgents {
  return new Kubelets(ctx);
}
