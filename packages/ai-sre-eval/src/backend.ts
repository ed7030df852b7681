/**
 * The parts of the AI SRE backend the evaluation runs, imported from its
 * sources: the backend plugin exports only the plugin itself, and the
 * evaluation needs the pipeline's pieces (telemetry, catalog mapping,
 * reasoning) without a Backstage backend around them.
 */
/* eslint-disable @backstage/no-relative-monorepo-imports */
export { EntityResolver } from '../../../plugins/ai-sre-backend/src/catalog/EntityResolver';
export {
  groupSignals,
  isIncident,
} from '../../../plugins/ai-sre-backend/src/reasoning/grouping';
export { planFix } from '../../../plugins/ai-sre-backend/src/reasoning/planner';
export { rankRootCauses } from '../../../plugins/ai-sre-backend/src/reasoning/rootCause';
export type {
  DependencyLink,
  Hypothesis,
  PlanStep,
  ReasoningContext,
  SignalGroup,
} from '../../../plugins/ai-sre-backend/src/reasoning/types';
export { ClusterMonitor } from '../../../plugins/ai-sre-backend/src/telemetry/ClusterMonitor';
export { inferDependencies } from '../../../plugins/ai-sre-backend/src/telemetry/dependencies';
export { builtInDetectors } from '../../../plugins/ai-sre-backend/src/telemetry/detectors';
export { KubeClient } from '../../../plugins/ai-sre-backend/src/telemetry/kube/KubeClient';
export {
  parseExposition,
  type ExpositionSample,
} from '../../../plugins/ai-sre-backend/src/telemetry/metrics/exposition';
export { ScrapeMetricSource } from '../../../plugins/ai-sre-backend/src/telemetry/metrics/ScrapeMetricSource';
export {
  decide,
  defaultPolicyConfig,
} from '../../../plugins/ai-sre-backend/src/policy';
export { createStandaloneEngine } from '../../../plugins/ai-sre-backend/src/reasoning/standalone';
export { KubernetesExecutor } from '../../../plugins/ai-sre-backend/src/execution/KubernetesExecutor';
export { KubernetesClusterOps } from '../../../plugins/ai-sre-backend/src/execution/ClusterOps';
export { handlerFor } from '../../../plugins/ai-sre-backend/src/execution/actions';
export { ExecutionStore } from '../../../plugins/ai-sre-backend/src/store/ExecutionStore';
