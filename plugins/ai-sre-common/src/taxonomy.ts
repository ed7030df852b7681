/**
 * The root-cause taxonomy (SCENARIOS.md, "Root-cause taxonomy").
 *
 * @public
 */
export const ROOT_CAUSE_CATEGORIES = [
  'bad-deploy',
  'bad-config',
  'missing-config',
  'image-pull',
  'memory-limit',
  'memory-leak',
  'cpu-saturation',
  'traffic-surge',
  'dependency-failure',
  'probe-misconfig',
  'node-failure',
  'node-pressure',
  'insufficient-capacity',
  'quota-exceeded',
  'scheduling-constraint',
  'storage',
  'network',
  'credential',
  'job-failure',
  'external',
  'none',
] as const;

/** @public */
export type RootCauseCategory = (typeof ROOT_CAUSE_CATEGORIES)[number];

/**
 * The allow-listed remediation actions (SCENARIOS.md, "Actions").
 *
 * @public
 */
export const REMEDIATION_ACTIONS = [
  'rollback-deployment',
  'restart-workload',
  'scale-workload',
  'set-resources',
  'set-autoscaler',
  'revert-config',
  'cordon-node',
  'drain-node',
  'delete-pod',
  'suspend-cronjob',
  'expand-volume',
  'notify-owner',
  'monitor',
] as const;

/** @public */
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];
