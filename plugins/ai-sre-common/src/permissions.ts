import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/**
 * The resource type of incidents, so that policies can return conditions
 * (incident rules) that the backend applies inside its database query.
 *
 * @public
 */
export const AI_SRE_INCIDENT_RESOURCE_TYPE = 'ai-sre-incident';

/**
 * Read incidents, their signals, root causes, plans and audit trail.
 *
 * @public
 */
export const aiSreIncidentReadPermission = createPermission({
  name: 'ai-sre.incident.read',
  attributes: { action: 'read' },
  resourceType: AI_SRE_INCIDENT_RESOURCE_TYPE,
});

/**
 * Acknowledge, resolve, mark as false positive, suppress.
 *
 * @public
 */
export const aiSreIncidentUpdatePermission = createPermission({
  name: 'ai-sre.incident.update',
  attributes: { action: 'update' },
  resourceType: AI_SRE_INCIDENT_RESOURCE_TYPE,
});

/**
 * Approve, reject or adjust a planned action; checked against the catalog
 * entity the incident belongs to, so a policy can allow only its owners.
 *
 * @public
 */
export const aiSrePlanApprovePermission = createPermission({
  name: 'ai-sre.plan.approve',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Execute or roll back an action on the cluster, checked against the
 * catalog entity the incident belongs to.
 *
 * @public
 */
export const aiSreExecutionPermission = createPermission({
  name: 'ai-sre.execution.run',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Change policy, suppression rules, maintenance windows and the kill-switch.
 *
 * @public
 */
export const aiSrePolicyManagePermission = createPermission({
  name: 'ai-sre.policy.manage',
  attributes: { action: 'update' },
});

/** @public */
export const aiSrePermissions = [
  aiSreIncidentReadPermission,
  aiSreIncidentUpdatePermission,
  aiSrePlanApprovePermission,
  aiSreExecutionPermission,
  aiSrePolicyManagePermission,
];
