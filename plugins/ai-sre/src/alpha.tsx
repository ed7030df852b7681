import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { hasKubernetesAnnotation } from '@internal/plugin-ai-sre-common';
import ReportProblemOutlined from '@material-ui/icons/ReportProblemOutlined';
import { aiSreApiRef, AiSreClient } from './api';
import {
  approvalsRouteRef,
  incidentsRouteRef,
  rootCauseRouteRef,
  rootRouteRef,
} from './routes';

const aiSreApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: aiSreApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new AiSreClient(deps),
    }),
});

const aiSrePage = PageBlueprint.make({
  params: {
    path: '/ai-sre',
    title: 'AI SRE',
    icon: <ReportProblemOutlined fontSize="inherit" />,
    routeRef: rootRouteRef,
    noHeader: true,
    loader: () =>
      import('./components/page/AiSrePage').then(m => <m.AiSrePage />),
  },
});

const incidentsContent = EntityContentBlueprint.make({
  name: 'incidents',
  params: {
    path: '/ai-sre/incidents',
    title: 'Incidents',
    routeRef: incidentsRouteRef,
    filter: hasKubernetesAnnotation,
    loader: () =>
      import('./components/EntityAiSreIncidentsContent').then(m => (
        <m.EntityAiSreIncidentsContent />
      )),
  },
});

const rootCauseContent = EntityContentBlueprint.make({
  name: 'root-cause',
  params: {
    path: '/ai-sre/root-cause',
    title: 'Root cause',
    routeRef: rootCauseRouteRef,
    filter: hasKubernetesAnnotation,
    loader: () =>
      import('./components/EntityAiSreRootCauseContent').then(m => (
        <m.EntityAiSreRootCauseContent />
      )),
  },
});

const approvalsContent = EntityContentBlueprint.make({
  name: 'approvals',
  params: {
    path: '/ai-sre/approvals',
    title: 'Approvals',
    routeRef: approvalsRouteRef,
    filter: hasKubernetesAnnotation,
    loader: () =>
      import('./components/EntityAiSreApprovalsContent').then(m => (
        <m.EntityAiSreApprovalsContent />
      )),
  },
});

/**
 * The AI SRE plugin for Backstage's new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'ai-sre',
  title: 'AI SRE',
  icon: <ReportProblemOutlined fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    aiSreApi,
    aiSrePage,
    incidentsContent,
    rootCauseContent,
    approvalsContent,
  ],
  routes: {
    root: rootRouteRef,
    incidents: incidentsRouteRef,
    rootCause: rootCauseRouteRef,
    approvals: approvalsRouteRef,
  },
});
