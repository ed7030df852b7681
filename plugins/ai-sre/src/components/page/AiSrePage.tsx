import { Content, Header, Page } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { useAppLocation } from '@backstage/frontend-plugin-api';
import Box from '@material-ui/core/Box';
import MuiLink from '@material-ui/core/Link';
import { Link as RouterLink, Route, Routes } from 'react-router-dom';
import { reliabilityRouteRef, rootRouteRef } from '../../routes';
import { ReliabilityDashboard } from '../reliability/ReliabilityDashboard';
import { IncidentSearch } from '../search/IncidentSearch';
import { IncidentPage } from './IncidentPage';

function Nav() {
  const root = useRouteRef(rootRouteRef)();
  const reliability = useRouteRef(reliabilityRouteRef)();
  const { pathname } = useAppLocation();
  const items: Array<[string, string, boolean]> = [
    ['Incidents', root, pathname === root || pathname === `${root}/`],
    ['Reliability', reliability, pathname.startsWith(reliability)],
  ];
  return (
    <Box component="nav" aria-label="AI SRE" mb={3}>
      {items.map(([label, to, current]) => (
        <MuiLink
          key={label}
          component={RouterLink}
          to={to}
          variant="h6"
          underline={current ? 'always' : 'hover'}
          aria-current={current ? 'page' : undefined}
          style={{ marginRight: 24, fontWeight: current ? 700 : 400 }}
        >
          {label}
        </MuiLink>
      ))}
    </Box>
  );
}

/**
 * The AI SRE page (`/ai-sre`): incident search, the reliability dashboard,
 * and one page per incident.
 *
 * @public
 */
export function AiSrePage() {
  return (
    <Page themeId="tool">
      <Header
        title="AI SRE"
        subtitle="Incidents, root causes and fixes across the catalog"
      />
      <Content>
        <Nav />
        <Routes>
          <Route path="/incidents/:id" element={<IncidentPage />} />
          <Route path="/reliability" element={<ReliabilityDashboard />} />
          <Route path="/*" element={<IncidentSearch />} />
        </Routes>
      </Content>
    </Page>
  );
}
