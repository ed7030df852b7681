import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

export const incidentsRouteRef = createRouteRef({ id: 'ai-sre:incidents' });
export const rootCauseRouteRef = createRouteRef({ id: 'ai-sre:root-cause' });
export const approvalsRouteRef = createRouteRef({ id: 'ai-sre:approvals' });

/** The AI SRE page: incident search, reliability, incident pages. */
export const rootRouteRef = createRouteRef({ id: 'ai-sre' });

/** One incident on the AI SRE page (`/ai-sre/incidents/:id`). */
export const incidentRouteRef = createSubRouteRef({
  id: 'ai-sre:incident',
  parent: rootRouteRef,
  path: '/incidents/:id',
});

/** The reliability dashboard (`/ai-sre/reliability`). */
export const reliabilityRouteRef = createSubRouteRef({
  id: 'ai-sre:reliability',
  parent: rootRouteRef,
  path: '/reliability',
});
