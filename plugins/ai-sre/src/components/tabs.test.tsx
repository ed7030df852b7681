import { Entity } from '@backstage/catalog-model';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  MockFetchApi,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { Incident, Signal } from '@internal/plugin-ai-sre-common';
import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ReactNode } from 'react';
import { aiSreApiRef, AiSreClient } from '../api';
import { EntityAiSreApprovalsContent } from './EntityAiSreApprovalsContent';
import { EntityAiSreIncidentsContent } from './EntityAiSreIncidentsContent';
import { EntityAiSreRootCauseContent } from './EntityAiSreRootCauseContent';

const baseUrl = 'http://backstage.test/api/ai-sre';
const server = setupServer();
registerMswTestHooks(server);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'catalog-api',
    annotations: { 'backstage.io/kubernetes-id': 'catalog-api' },
  },
  spec: { type: 'service', owner: 'team-books', lifecycle: 'production' },
};

const unmapped: Entity = {
  ...entity,
  metadata: { name: 'docs-site' },
};

const incident: Incident = {
  id: 'inc-1',
  title: 'catalog-api is crash-looping after rollout',
  summary: 'Pods exit 11 s after start since revision 7.',
  entityRef: 'component:default/catalog-api',
  impactedEntityRefs: ['component:default/web'],
  ownerRef: 'group:default/team-books',
  systemRef: null,
  cluster: 'sandbox',
  namespace: 'bookstore',
  severity: 'high',
  status: 'open',
  category: 'bad-deploy',
  startedAt: '2025-03-04T00:01:40.000Z',
  openedAt: '2025-03-04T00:02:10.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  updatedAt: '2025-03-04T00:02:10.000Z',
};

const signal: Signal = {
  schemaVersion: 1,
  id: 'sig-1',
  fingerprint: 'fp',
  detector: 'image-pull',
  severity: 'high',
  cluster: 'sandbox',
  object: { kind: 'Pod', namespace: 'bookstore', name: 'web-7d9f-abcde' },
  ownerChain: [],
  workload: { kind: 'Deployment', namespace: 'bookstore', name: 'web' },
  labels: {},
  reason: 'ImagePullBackOff',
  message: 'Image ghcr.io/example-bokstore/web:3.3.0 cannot be pulled',
  status: 'active',
  firstSeen: '2025-03-04T00:01:00.000Z',
  lastSeen: '2025-03-04T00:02:00.000Z',
  resolvedAt: null,
  count: 4,
  evidence: { fields: {}, events: [], logs: [], metrics: [] },
  entityRefs: ['component:default/catalog-api'],
};

/** The requests the tabs made, to assert on their query strings. */
let requests: URL[] = [];

function respondWith(items: Incident[] | 'error', signals: Signal[] = []) {
  requests = [];
  server.use(
    http.get(`${baseUrl}/signals`, ({ request }) => {
      requests.push(new URL(request.url));
      return HttpResponse.json({ items: signals });
    }),
    http.get(`${baseUrl}/incidents`, ({ request }) => {
      requests.push(new URL(request.url));
      if (items === 'error') {
        return HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'Unauthorized' } },
          { status: 403 },
        );
      }
      return HttpResponse.json({ items });
    }),
  );
}

function renderTab(tab: ReactNode, forEntity: Entity = entity) {
  const client = new AiSreClient({
    discoveryApi: { getBaseUrl: async () => baseUrl },
    fetchApi: new MockFetchApi(),
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [aiSreApiRef, client],
        [discoveryApiRef, { getBaseUrl: async () => baseUrl }],
        [fetchApiRef, new MockFetchApi()],
      ]}
    >
      <EntityProvider entity={forEntity}>{tab}</EntityProvider>
    </TestApiProvider>,
  );
}

describe('Incidents tab', () => {
  it('lists the entity incidents from the backend', async () => {
    respondWith([incident]);
    await renderTab(<EntityAiSreIncidentsContent />);
    expect(await screen.findByText(incident.title)).toBeInTheDocument();
    expect(screen.getByText('bad-deploy')).toBeInTheDocument();
    expect(screen.getByText('high')).toBeInTheDocument();
    expect(screen.getByText('30s')).toBeInTheDocument(); // time to detect
    const incidentRequest = requests.find(r =>
      r.pathname.endsWith('/incidents'),
    );
    expect(incidentRequest?.searchParams.get('entityRef')).toBe(
      'component:default/catalog-api',
    );
  });

  it('says so when there are no incidents', async () => {
    respondWith([]);
    await renderTab(<EntityAiSreIncidentsContent />);
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
    expect(
      await screen.findByText(/No signals detected on this entity/),
    ).toBeInTheDocument();
  });

  it('shows the signals telemetry detected on the entity', async () => {
    respondWith([], [signal]);
    await renderTab(<EntityAiSreIncidentsContent />);
    expect(await screen.findByText('Detected signals')).toBeInTheDocument();
    expect(screen.getByText(signal.message)).toBeInTheDocument();
    expect(
      screen.getByText('Pod/bookstore/web-7d9f-abcde'),
    ).toBeInTheDocument();
    const signalRequest = requests.find(r => r.pathname.endsWith('/signals'));
    expect(signalRequest?.searchParams.get('entityRef')).toBe(
      'component:default/catalog-api',
    );
  });

  it('shows the backend error', async () => {
    respondWith('error');
    await renderTab(<EntityAiSreIncidentsContent />);
    expect(
      await screen.findByText(/Could not load incidents/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeEnabled();
  });

  it('explains the missing Kubernetes annotation', async () => {
    respondWith([]);
    await renderTab(<EntityAiSreIncidentsContent />, unmapped);
    expect(
      await screen.findByText('No Kubernetes annotation on this entity'),
    ).toBeInTheDocument();
  });
});

describe('Root cause tab', () => {
  it('shows the root cause of the latest incident', async () => {
    respondWith([incident]);
    await renderTab(<EntityAiSreRootCauseContent />);
    expect(await screen.findByText(incident.title)).toBeInTheDocument();
    expect(screen.getByText('Category: bad-deploy')).toBeInTheDocument();
    expect(screen.getByText(incident.summary)).toBeInTheDocument();
  });

  it('says when the analysis has not finished', async () => {
    respondWith([{ ...incident, category: null }]);
    await renderTab(<EntityAiSreRootCauseContent />);
    expect(await screen.findByText(/has not finished yet/)).toBeInTheDocument();
  });

  it('has an honest empty state', async () => {
    respondWith([]);
    await renderTab(<EntityAiSreRootCauseContent />);
    expect(
      await screen.findByText('No root cause to show'),
    ).toBeInTheDocument();
  });
});

describe('Approvals tab', () => {
  it('asks only for unresolved incidents and says none awaits approval', async () => {
    respondWith([incident]);
    await renderTab(<EntityAiSreApprovalsContent />);
    expect(await screen.findByText('No pending approvals')).toBeInTheDocument();
    expect(screen.getByText(/has 1 open incident,/)).toBeInTheDocument();
    expect(
      requests
        .find(r => r.pathname.endsWith('/incidents'))
        ?.searchParams.getAll('status'),
    ).toEqual(['open', 'acknowledged', 'mitigating']);
  });

  it('says there is nothing to decide without open incidents', async () => {
    respondWith([]);
    await renderTab(<EntityAiSreApprovalsContent />);
    expect(
      await screen.findByText(/has no open incidents/),
    ).toBeInTheDocument();
  });
});
