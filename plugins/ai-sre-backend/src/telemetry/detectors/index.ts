import type { AiSreDetector } from '@internal/plugin-ai-sre-node';
import { metricDetectors } from './metrics';
import { nodeDetectors } from './nodes';
import { podDetectors } from './pods';
import { workloadDetectors } from './workloads';

/** The detectors AI SRE ships with. */
export const builtInDetectors: AiSreDetector[] = [
  ...podDetectors,
  ...workloadDetectors,
  ...nodeDetectors,
  ...metricDetectors,
];

export { missingReference } from './pods';
