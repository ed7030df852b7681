import { Entity } from '@backstage/catalog-model';
import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { useLocation } from 'react-router-dom';
import { mockBackend } from '../../__testUtils__/backend';
import {
  details,
  incident,
  resolvedIncident,
} from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/render';
import { IncidentSearch } from './IncidentSearch';

const server = setupServer();
registerMswTestHooks(server);

const catalogEntities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'team-storefront', namespace: 'default' },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'System',
    metadata: { name: 'bookstore', namespace: 'default' },
    spec: { owner: 'team-storefront' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'catalog-api', namespace: 'default' },
    spec: {
      type: 'service',
      owner: 'team-storefront',
      lifecycle: 'production',
    },
  },
];

function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.search}</output>;
}

function serve(overrides: Partial<Parameters<typeof mockBackend>[1]> = {}) {
  return mockBackend(server, {
    incidents: [incident, resolvedIncident],
    details: { [incident.id]: details },
    signals: [],
    audit: [],
    ...overrides,
  });
}

const render = (route: string) =>
  renderWithApis(
    <>
      <IncidentSearch />
      <Location />
    </>,
    { entity: null, route, catalogEntities },
  );

describe('Incident search', () => {
  it('reads its filters from the URL and sends them to the backend', async () => {
    const backend = serve();
    await render(
      '/ai-sre?owner=group:default/team-storefront&system=system:default/bookstore&namespace=bookstore&cluster=sandbox&severity=high&status=open&category=bad-deploy&range=7d&q=crash',
    );
    expect(await screen.findByText(incident.title)).toBeInTheDocument();
    const query = backend.to('/incidents')[0].url.searchParams;
    expect(query.getAll('owner')).toEqual(['group:default/team-storefront']);
    expect(query.getAll('system')).toEqual(['system:default/bookstore']);
    expect(query.getAll('namespace')).toEqual(['bookstore']);
    expect(query.getAll('cluster')).toEqual(['sandbox']);
    expect(query.getAll('severity')).toEqual(['high']);
    expect(query.getAll('status')).toEqual(['open']);
    expect(query.getAll('category')).toEqual(['bad-deploy']);
    expect(query.get('q')).toBe('crash');
    expect(Date.parse(query.get('from')!)).toBeGreaterThan(
      Date.now() - 7 * 24 * 3600_000 - 60_000,
    );
    expect(
      screen.getByRole('searchbox', { name: 'Search titles and summaries' }),
    ).toHaveValue('crash');
    expect(screen.getByRole('combobox', { name: 'Opened' })).toHaveValue('7d');
  });

  it('offers catalog entities as owners, systems and entities, and keeps the choice in the URL', async () => {
    const backend = serve();
    await render('/ai-sre');
    await screen.findByText(incident.title);
    await userEvent.click(screen.getByRole('textbox', { name: 'Owner' }));
    await userEvent.click(
      await screen.findByRole('option', {
        name: 'group:default/team-storefront',
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '?owner=group%3Adefault%2Fteam-storefront',
      ),
    );
    await waitFor(() =>
      expect(
        backend
          .to('/incidents')
          .some(
            r =>
              r.url.searchParams.get('owner') ===
              'group:default/team-storefront',
          ),
      ).toBe(true),
    );

    await userEvent.click(screen.getByRole('textbox', { name: 'Entity' }));
    expect(
      await screen.findByRole('option', {
        name: 'component:default/catalog-api',
      }),
    ).toBeInTheDocument();
  });

  it('filters by text after typing stops, and clears all filters', async () => {
    const backend = serve();
    await render('/ai-sre?severity=high');
    await screen.findByText(incident.title);
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search titles and summaries' }),
      'ranker',
    );
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '?severity=high&q=ranker',
      ),
    );
    expect(backend.to('/incidents').at(-1)!.url.searchParams.get('q')).toBe(
      'ranker',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(/^$/),
    );
  });

  it('offers a custom time range', async () => {
    const backend = serve();
    await render('/ai-sre?range=custom&from=2025-03-01T00:00');
    await screen.findByText(incident.title);
    expect(screen.getByLabelText('From')).toHaveValue('2025-03-01T00:00');
    expect(backend.to('/incidents')[0].url.searchParams.get('from')).toBe(
      new Date('2025-03-01T00:00').toISOString(),
    );
  });

  it('links each incident to its page and loads more pages', async () => {
    const backend = serve({ nextCursor: 'page-2' });
    await render('/ai-sre');
    const table = (await screen.findByText(incident.title)).closest('table')!;
    expect(
      within(table).getByRole('link', { name: incident.title }),
    ).toHaveAttribute('href', '/ai-sre/incidents/inc-1');
    serve({ incidents: [{ ...incident, id: 'inc-9', title: 'older one' }] });
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('older one')).toBeInTheDocument();
    expect(backend.to('/incidents')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('says when nothing matches, and shows errors', async () => {
    serve({ incidents: [] });
    await render('/ai-sre?status=false-positive');
    expect(
      await screen.findByText('No incident matches these filters.'),
    ).toBeInTheDocument();
    serve({ incidents: 'forbidden' });
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    expect(
      await screen.findByText(/Could not load incidents/),
    ).toBeInTheDocument();
  });
});
