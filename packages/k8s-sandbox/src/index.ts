/**
 * A Kubernetes-API-compatible simulated cluster that runs scenario files
 * (format v1, see docs/scenarios.md) on a virtual clock.
 *
 * @packageDocumentation
 */

export * from './api';
export * from './clock';
export * from './scenario';
// Both the API and the scenario/clock modules name these; they are the same shapes.
export type { Clock, KubeObject } from './api';

export { startSandbox } from './sandbox';
export type { Sandbox, StartSandboxOptions } from './sandbox';
export { SimulatedCluster } from './sim/SimulatedCluster';
export { mergeScenarios } from './sim/merge';
