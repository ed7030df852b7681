/**
 * The parts of the AI SRE backend the offline CLI runs, imported from its
 * sources (as `packages/ai-sre-eval` does): the backend plugin exports only
 * the plugin itself, and the CLI needs the pipeline's pieces (telemetry's
 * cache, detectors, signal tracker and change tracker; the incident engine)
 * without a Backstage backend around them.
 */
/* eslint-disable @backstage/no-relative-monorepo-imports */
export { ClusterMonitor } from '../../../plugins/ai-sre-backend/src/telemetry/ClusterMonitor';
export { ChangeTracker } from '../../../plugins/ai-sre-backend/src/telemetry/changes';
export { inferDependencies } from '../../../plugins/ai-sre-backend/src/telemetry/dependencies';
export { builtInDetectors } from '../../../plugins/ai-sre-backend/src/telemetry/detectors';
export {
  KubeApiError,
  KubeClient,
} from '../../../plugins/ai-sre-backend/src/telemetry/kube/KubeClient';
export {
  CLUSTER_SCOPED,
  KIND_PATHS,
} from '../../../plugins/ai-sre-backend/src/telemetry/kube/kinds';
export { trimObject } from '../../../plugins/ai-sre-backend/src/telemetry/trim';
export { createStandaloneEngine } from '../../../plugins/ai-sre-backend/src/reasoning/standalone';
export type {
  DependencyLink,
  Hypothesis,
  PlanStep,
  ReasoningContext,
} from '../../../plugins/ai-sre-backend/src/reasoning/types';
