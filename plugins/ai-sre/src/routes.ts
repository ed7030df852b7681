import { createRouteRef } from '@backstage/core-plugin-api';

export const incidentsRouteRef = createRouteRef({ id: 'ai-sre:incidents' });
export const rootCauseRouteRef = createRouteRef({ id: 'ai-sre:root-cause' });
export const approvalsRouteRef = createRouteRef({ id: 'ai-sre:approvals' });
