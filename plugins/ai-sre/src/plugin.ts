import { Entity } from '@backstage/catalog-model';
import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { hasKubernetesAnnotation } from '@internal/plugin-ai-sre-common';
import { aiSreApiRef, AiSreClient } from './api';
import {
  approvalsRouteRef,
  incidentsRouteRef,
  rootCauseRouteRef,
  rootRouteRef,
} from './routes';

/** @public */
export const aiSrePlugin = createPlugin({
  id: 'ai-sre',
  apis: [
    createApiFactory({
      api: aiSreApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new AiSreClient(deps),
    }),
  ],
  routes: {
    root: rootRouteRef,
    incidents: incidentsRouteRef,
    rootCause: rootCauseRouteRef,
    approvals: approvalsRouteRef,
  },
});

/**
 * Whether the AI SRE tabs apply to an entity: it carries the Kubernetes
 * plugin's annotation.
 *
 * @public
 */
export const isAiSreAvailable = (entity: Entity): boolean =>
  hasKubernetesAnnotation(entity);

/** @public */
export const EntityAiSreIncidentsContent = aiSrePlugin.provide(
  createRoutableExtension({
    name: 'EntityAiSreIncidentsContent',
    component: () =>
      import('./components/EntityAiSreIncidentsContent').then(
        m => m.EntityAiSreIncidentsContent,
      ),
    mountPoint: incidentsRouteRef,
  }),
);

/** @public */
export const EntityAiSreRootCauseContent = aiSrePlugin.provide(
  createRoutableExtension({
    name: 'EntityAiSreRootCauseContent',
    component: () =>
      import('./components/EntityAiSreRootCauseContent').then(
        m => m.EntityAiSreRootCauseContent,
      ),
    mountPoint: rootCauseRouteRef,
  }),
);

/** @public */
export const EntityAiSreApprovalsContent = aiSrePlugin.provide(
  createRoutableExtension({
    name: 'EntityAiSreApprovalsContent',
    component: () =>
      import('./components/EntityAiSreApprovalsContent').then(
        m => m.EntityAiSreApprovalsContent,
      ),
    mountPoint: approvalsRouteRef,
  }),
);

/**
 * The AI SRE page: incident search across the catalog, the reliability
 * dashboard, and one page per incident. Mount it at `/ai-sre`.
 *
 * @public
 */
export const AiSrePage = aiSrePlugin.provide(
  createRoutableExtension({
    name: 'AiSrePage',
    component: () =>
      import('./components/page/AiSrePage').then(m => m.AiSrePage),
    mountPoint: rootRouteRef,
  }),
);
