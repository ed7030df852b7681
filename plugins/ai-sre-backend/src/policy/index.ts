/**
 * Deterministic safety policy: org rules, thresholds, kill-switch,
 * blast-radius and rate limits, suppressions and maintenance windows.
 */
export {
  LOW_RISK_ACTIONS,
  NON_CHANGE_ACTIONS,
  POLICY_CONFIG_PATH,
  PolicyConfigError,
  defaultPolicyConfig,
  policyConfigSchema,
  readPolicyConfig,
} from './config';
export type {
  MaintenanceWindow,
  PolicyConfig,
  PolicyConfigInput,
  SuppressionRule,
} from './config';
export { decide } from './evaluate';
export type {
  PolicyDecision,
  PolicyInput,
  PolicyStepDecision,
} from './evaluate';
export {
  activeOccurrence,
  maintenanceWindowFor,
  suppressed,
} from './suppression';
export type { SuppressionResult } from './suppression';
