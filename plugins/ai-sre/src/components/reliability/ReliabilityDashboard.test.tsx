import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { DateTime } from 'luxon';
import { MetricsRow } from '../../api';
import { mockBackend } from '../../__testUtils__/backend';
import { incident } from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/render';
import { ClusterHealthTable } from './ClusterHealthTable';
import { KillSwitchPanel } from './KillSwitchPanel';
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

const row = (key: string, overrides: Partial<MetricsRow> = {}): MetricsRow => ({
  key,
  incidents: 1,
  falsePositives: 0,
  falsePositiveRate: 0,
  mttdSeconds: 60,
  mttaSeconds: 120,
  mttrSeconds: 660,
  executions: { succeeded: 0, rolledBack: 0, failed: 0 },
  ...overrides,
});

const metrics = {
  entity: [
    row('component:default/catalog-api', {
      incidents: 4,
      mttdSeconds: 90,
      mttrSeconds: 3600,
      executions: { succeeded: 2, rolledBack: 1, failed: 0 },
    }),
    row('component:default/web', {
      falsePositives: 1,
      falsePositiveRate: 1,
      mttdSeconds: null,
      mttaSeconds: null,
      mttrSeconds: null,
      executions: { succeeded: 0, rolledBack: 0, failed: 1 },
    }),
  ],
  owner: [
    row('group:default/team-storefront', { incidents: 4 }),
    row('group:default/team-web'),
  ],
  detector: [
    row('crash-loop', {
      incidents: 4,
      falsePositives: 1,
      falsePositiveRate: 0.25,
      executions: { succeeded: 2, rolledBack: 1, failed: 0 },
    }),
    row('image-pull', {
      falsePositives: 1,
      falsePositiveRate: 1,
      executions: { succeeded: 0, rolledBack: 0, failed: 1 },
    }),
  ],
};

function serve(overrides: Partial<Parameters<typeof mockBackend>[1]> = {}) {
  return mockBackend(server, {
    incidents,
    details: {},
    signals: [],
    audit: [],
    metrics,
    ...overrides,
  });
}

describe('Reliability dashboard', () => {
  it('shows per-group figures, owners, detectors and executions from GET /metrics', async () => {
    const backend = serve();
    await renderWithApis(<ReliabilityDashboard />, {
      entity: null,
      route: '/ai-sre/reliability',
    });
    const perEntity = (await screen.findByText('Per entity')).closest(
      'div[class*=MuiPaper]',
    ) as HTMLElement;
    const rows = within(perEntity).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('catalog-api');
    expect(rows[1]).toHaveTextContent(/catalog-api\s*4\s*1m 30s\s*2m\s*1h/);
    expect(rows[1]).toHaveTextContent('2 / 1 / 0');
    expect(rows[2]).toHaveTextContent('web');
    expect(rows[2]).toHaveTextContent('100%');
    expect(rows[2]).toHaveTextContent('0 / 0 / 1');

    expect(
      screen.getByRole('img', {
        name: 'Incidents by owner: team-storefront: 4, team-web: 1',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('img', {
        name: 'False-positive rate per detector: crash-loop: 25%, image-pull: 100%',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('img', {
        name: 'Executions by outcome, per detector: crash-loop: 2 succeeded, 1 rolled back, 0 failed; image-pull: 0 succeeded, 0 rolled back, 1 failed',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('In all: 2 succeeded, 1 rolled back, 1 failed'),
    ).toBeInTheDocument();

    const asked = backend.to('/metrics').map(r => r.url.searchParams);
    expect(asked.map(q => q.get('groupBy')).sort()).toEqual([
      'detector',
      'entity',
      'owner',
    ]);
    expect(Date.parse(asked[0].get('from')!)).toBeLessThan(
      Date.now() - 29 * 24 * 3600_000,
    );

    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Per' }),
      'owner',
    );
    expect(await screen.findByText('Per owner')).toBeInTheDocument();
    const perOwner = screen
      .getByText('Per owner')
      .closest('div[class*=MuiPaper]') as HTMLElement;
    expect(within(perOwner).getAllByRole('row')[2]).toHaveTextContent(
      'team-web',
    );
  });

  it('keeps the client-side totals, trend over time and categories from the incident list', async () => {
    const backend = serve();
    await renderWithApis(<ReliabilityDashboard />, { entity: null });
    expect(await screen.findAllByText('2m', { selector: 'p' })).toHaveLength(2); // MTTD and MTTA tiles
    expect(screen.getByText('11m', { selector: 'p' })).toBeInTheDocument(); // MTTR tile
    expect(screen.getByText('50%', { selector: 'p' })).toBeInTheDocument(); // false-positive rate tile
    expect(
      screen.getByRole('img', {
        name: 'Incidents by category: bad-deploy: 1, image-pull: 1',
      }),
    ).toBeInTheDocument();
    expect(backend.to('/incidents')[0].url.searchParams.get('limit')).toBe(
      '200',
    );
  });

  it('reads every page of incidents', async () => {
    const backend = serve({ nextCursor: 'more' });
    await renderWithApis(<ReliabilityDashboard />, { entity: null });
    await screen.findByText('Per entity');
    expect(
      backend.to('/incidents').map(r => r.url.searchParams.get('cursor')),
    ).toEqual([null, 'more']);
  });
});

describe('Kill-switch panel', () => {
  it('shows the switches and lets a policy manager toggle them with a reason', async () => {
    const backend = serve({
      killSwitches: {
        global: { enabled: false },
        entities: [
          {
            entityRef: 'component:default/web',
            reason: 'migration',
            updatedBy: 'user:default/alice',
            updatedAt: null,
          },
        ],
      },
    });
    await renderWithApis(<KillSwitchPanel />, { entity: null });
    expect(
      await screen.findByRole('status', { name: 'Global kill-switch' }),
    ).toHaveTextContent('Global kill-switch off');
    const entities = screen.getByRole('list', {
      name: 'Entity kill-switches',
    });
    expect(entities).toHaveTextContent(
      'web — “migration” (by user:default/alice)',
    );

    const turnOn = screen.getByRole('button', {
      name: 'Turn on the global kill-switch',
    });
    expect(turnOn).toBeDisabled();
    expect(
      screen.getAllByText('Give a reason first (kept in the audit trail).')
        .length,
    ).toBeGreaterThan(0);
    await userEvent.type(
      screen.getByRole('textbox', { name: /Reason/ }),
      'bad rollout in progress',
    );
    await userEvent.click(turnOn);
    expect(
      await screen.findByText(
        /Global kill-switch ON: no fix runs anywhere — “bad rollout in progress” \(by user:default\/test/,
      ),
    ).toBeInTheDocument();
    expect(backend.to('/kill-switch', 'PUT')[0].body).toEqual({
      enabled: true,
      reason: 'bad rollout in progress',
    });

    await userEvent.type(
      screen.getByRole('textbox', { name: /Reason/ }),
      'done',
    );
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Turn off the kill-switch of component:default/web',
      }),
    );
    await waitFor(() =>
      expect(screen.getByText('No entity is stopped.')).toBeInTheDocument(),
    );
    expect(backend.to('/kill-switch', 'PUT')[1].body).toEqual({
      enabled: false,
      entityRef: 'component:default/web',
      reason: 'done',
    });
  });

  it('disables the toggles, with the reason, for those not allowed', async () => {
    const backend = serve({
      killSwitches: {
        global: {
          enabled: true,
          reason: 'freeze',
          updatedBy: 'user:default/alice',
          updatedAt: null,
        },
        entities: [],
      },
    });
    await renderWithApis(<KillSwitchPanel />, {
      entity: null,
      deny: ['ai-sre.policy.manage'],
    });
    expect(
      await screen.findByRole('status', { name: 'Global kill-switch' }),
    ).toHaveTextContent(
      'Global kill-switch ON: no fix runs anywhere — “freeze” (by user:default/alice).',
    );
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Turn off the global kill-switch' }),
      ).toBeDisabled(),
    );
    expect(
      screen.getByRole('button', { name: 'Stop this entity' }),
    ).toBeDisabled();
    expect(
      screen.getAllByText(
        'You may not change kill-switches: the permission ai-sre.policy.manage is not granted to you.',
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.getByRole('textbox', { name: /Reason/ })).toBeDisabled();
    expect(backend.to('/kill-switch', 'PUT')).toHaveLength(0);
  });
});

describe('Cluster health', () => {
  it('lists each cluster connection', async () => {
    serve({
      clusters: [
        {
          name: 'prod-eu',
          watchable: true,
          watchedHere: true,
          metrics: 'prometheus',
          status: {
            synced: true,
            watches: 7,
            errors: 2,
            lastEventAt: new Date().toISOString(),
            activeSignals: 3,
          },
        },
        {
          name: 'legacy',
          watchable: false,
          reason: 'no credentials',
          watchedHere: false,
        },
      ],
    });
    await renderWithApis(<ClusterHealthTable />, { entity: null });
    const rows = await screen.findAllByRole('row');
    const prod = rows.find(r => r.textContent?.includes('prod-eu'))!;
    expect(prod).toHaveTextContent(/prod-eu\s*synced\s*7\s*2/);
    expect(prod).toHaveTextContent('prometheus');
    const legacy = rows.find(r => r.textContent?.includes('legacy'))!;
    expect(legacy).toHaveTextContent('not watchable: no credentials');
  });

  it('explains a 403 from conditional read access', async () => {
    serve({ clusters: 'forbidden' });
    await renderWithApis(<ClusterHealthTable />, { entity: null });
    expect(
      await screen.findByText(/Cluster health is hidden/),
    ).toHaveTextContent(
      'your read access to AI SRE is limited to some entities',
    );
    expect(screen.queryByText('Could not load cluster health')).toBeNull();
  });
});
