import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { DateTime } from 'luxon';
import { mockBackend } from '../../__testUtils__/backend';
import { incident } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/render';
import { ReliabilityDashboard } from './ReliabilityDashboard';

const server = setupServer();
registerMswTestHooks(server);

const day = DateTime.now().minus({ days: 2 }).startOf('day');
const iso = (minutes: number) => day.plus({ minutes }).toUTC().toISO()!;

const incidents = [
  {
    ...incident,
    id: 'a',
    startedAt: iso(0),
    openedAt: iso(1),
    acknowledgedAt: iso(3),
    resolvedAt: iso(11),
    status: 'resolved' as const,
  },
  {
    ...incident,
    id: 'b',
    entityRef: 'component:default/web',
    ownerRef: 'group:default/team-web',
    category: 'image-pull' as const,
    startedAt: iso(0),
    openedAt: iso(3),
    resolvedAt: iso(4),
    status: 'false-positive' as const,
  },
];

describe('Reliability dashboard', () => {
  it('computes MTTD, MTTA, MTTR and the false-positive rate per entity from the incident list', async () => {
    const backend = mockBackend(server, {
      incidents,
      details: {},
      signals: [],
      audit: [],
    });
    await renderWithApis(<ReliabilityDashboard />, {
      entity: null,
      route: '/ai-sre/reliability',
    });
    expect(await screen.findAllByText('2m', { selector: 'p' })).toHaveLength(2); // MTTD and MTTA tiles
    expect(screen.getByText('11m', { selector: 'p' })).toBeInTheDocument(); // MTTR tile
    expect(screen.getByText('50%', { selector: 'p' })).toBeInTheDocument(); // false-positive rate tile
    expect(
      screen.getByText(/the backend has no metrics route yet/),
    ).toBeInTheDocument();

    const perEntity = screen
      .getByText('Per entity')
      .closest('div[class*=MuiPaper]') as HTMLElement;
    const rows = within(perEntity).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('catalog-api');
    expect(rows[1]).toHaveTextContent('11m');
    expect(rows[2]).toHaveTextContent('web');
    expect(rows[2]).toHaveTextContent('100%');

    expect(
      screen.getByRole('img', {
        name: 'Incidents by category: bad-deploy: 1, image-pull: 1',
      }),
    ).toBeInTheDocument();
    const query = backend.to('/incidents')[0].url.searchParams;
    expect(query.get('limit')).toBe('200');
    expect(Date.parse(query.get('from')!)).toBeLessThan(
      Date.now() - 29 * 24 * 3600_000,
    );

    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Per' }),
      'owner',
    );
    expect(await screen.findByText('Per owner')).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByText('team-web')).toBeInTheDocument(),
    );
  });

  it('reads every page of incidents', async () => {
    const backend = mockBackend(server, {
      incidents,
      nextCursor: 'more',
      details: {},
      signals: [],
      audit: [],
    });
    await renderWithApis(<ReliabilityDashboard />, { entity: null });
    await screen.findByText('Per entity');
    expect(
      backend.to('/incidents').map(r => r.url.searchParams.get('cursor')),
    ).toEqual([null, 'more']);
  });
});
