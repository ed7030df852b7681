export * from './types';
export {
  formatIssue,
  formatPath,
  ScenarioError,
  type PathSegment,
  type ScenarioIssue,
} from './errors';
export {
  describeValue,
  formatDuration,
  parseDuration,
  parseQuantity,
  parseRate,
  UnitError,
} from './units';
export {
  CLUSTER_SCOPED_KINDS,
  NAMESPACED_KINDS,
  parseDependencyTarget,
  parseEntityRef,
  parseObjectRef,
  SCALABLE_KINDS,
  WORKLOAD_KINDS,
} from './refs';
export {
  causeType,
  preloadManifestValidators,
  supportedApiVersions,
  validateManifest,
  VALIDATED_KINDS,
  type ValidationIssue,
} from './manifest';
export {
  DEFAULT_IMAGE_BEHAVIOUR,
  resolveBehaviour,
  type ResolvedBehaviour,
} from './behaviour';
export {
  DEFAULT_DURATION_MS,
  defaultNodes,
  listScenarioFiles,
  loadScenarioDir,
  loadScenarioDirResults,
  loadScenarioFile,
  parseScenario,
  type ScenarioLoadResult,
} from './load';
