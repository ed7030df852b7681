/**
 * The evaluation of the AI SRE pipeline on sandbox scenarios (`yarn eval`).
 *
 * @packageDocumentation
 */
export * from './report';
export {
  runScenario,
  runScenarioSafely,
  failedReport,
  formatSeconds,
  openedAtOrigin,
  deriveCatalog,
  type RunScenarioOptions,
} from './pipeline';
export { entityHealth, type HealthResult, type MetricWindow } from './health';
export { runTargets, loadTargets, type RunResult } from './run';
export * from './scorer';
