import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { mockBackend } from '../__testUtils__/backend';
import {
  audit,
  crashSignal,
  details,
  ENTITY_REF,
  incident,
  resolvedIncident,
  unmappedEntity,
} from '../__testUtils__/fixtures';
import { FakeSignalApi, renderWithApis } from '../__testUtils__/render';
import { EntityAiSreIncidentsContent } from './EntityAiSreIncidentsContent';

const server = setupServer();
registerMswTestHooks(server);

function serve(overrides: Partial<Parameters<typeof mockBackend>[1]> = {}) {
  return mockBackend(server, {
    incidents: [incident, resolvedIncident],
    details: { [incident.id]: details },
    signals: [crashSignal],
    audit,
    ...overrides,
  });
}

describe('Incidents tab', () => {
  it('lists open and recent incidents with severity, status, time to detect and resolve', async () => {
    const backend = serve();
    await renderWithApis(<EntityAiSreIncidentsContent />);
    const open = (await screen.findByText('Open incidents')).closest(
      'div[class*=MuiPaper]',
    ) as HTMLElement;
    expect(within(open).getByText(incident.title)).toBeInTheDocument();
    expect(within(open).getByText('high')).toBeInTheDocument();
    expect(within(open).getByText('open')).toBeInTheDocument();
    expect(within(open).getByText('30s')).toBeInTheDocument(); // time to detect
    const recent = screen
      .getByText('Recent incidents')
      .closest('div[class*=MuiPaper]') as HTMLElement;
    expect(
      within(recent).getByText(resolvedIncident.title),
    ).toBeInTheDocument();
    expect(within(recent).getByText('21m')).toBeInTheDocument(); // time to resolve
    expect(backend.to('/incidents')[0].url.searchParams.get('entityRef')).toBe(
      ENTITY_REF,
    );
  });

  it('opens an incident with its timeline, redacted log snapshot, metrics and postmortem export', async () => {
    const backend = serve();
    const createObjectURL = jest.fn(() => 'blob:postmortem');
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(() => {});
    await renderWithApis(<EntityAiSreIncidentsContent />, {
      route: '/?incident=inc-1',
    });
    expect(
      await screen.findByRole('heading', { name: incident.title }),
    ).toBeInTheDocument();

    const timeline = screen.getByRole('list', { name: 'Incident timeline' });
    const items = within(timeline).getAllByRole('listitem');
    const texts = items.map(item => item.textContent ?? '');
    // A change with no time first, then in time order.
    expect(texts[0]).toContain('Change cited by the root cause');
    expect(
      texts.findIndex(t => t.includes('First symptom observed')),
    ).toBeLessThan(
      texts.findIndex(t => t.includes('crash-loop: CrashLoopBackOff')),
    );
    expect(texts.some(t => t.includes('Warning BackOff'))).toBe(true);
    expect(texts.some(t => t.includes('Agent step: rootCause'))).toBe(true);
    expect(texts.some(t => t.includes('Acknowledged'))).toBe(true);

    const logs = screen.getByLabelText(
      'Redacted log lines of catalog-api-7d9f-abcde/catalog-api',
    );
    expect(logs).toHaveTextContent('DATABASE_PASSWORD=[REDACTED]');
    expect(
      screen.getByRole('img', { name: /container_restarts: 3 samples/ }),
    ).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Export postmortem (Markdown)' }),
    );
    await waitFor(() => expect(createObjectURL).toHaveBeenCalled());
    expect(click).toHaveBeenCalled();
    click.mockRestore();
    expect(backend.to('/incidents/inc-1/postmortem')).toHaveLength(1);

    await userEvent.click(
      screen.getByRole('button', { name: 'Back to all incidents' }),
    );
    expect(await screen.findByText('Open incidents')).toBeInTheDocument();
  });

  it('acknowledges an incident', async () => {
    const backend = serve();
    await renderWithApis(<EntityAiSreIncidentsContent />, {
      route: '/?incident=inc-1',
    });
    const acknowledge = await screen.findByRole('button', {
      name: 'Acknowledge',
    });
    await waitFor(() => expect(acknowledge).toBeEnabled());
    await userEvent.click(acknowledge);
    await waitFor(() =>
      expect(backend.to('/incidents/inc-1/acknowledge', 'POST')).toHaveLength(
        1,
      ),
    );
    expect(backend.to('/incidents/inc-1/acknowledge', 'POST')[0].body).toEqual(
      {},
    );
  });

  it('disables acknowledging with the reason when the permission is missing', async () => {
    serve();
    await renderWithApis(<EntityAiSreIncidentsContent />, {
      route: '/?incident=inc-1',
      deny: ['ai-sre.incident.update'],
    });
    const button = await screen.findByRole('button', { name: 'Acknowledge' });
    await waitFor(() => expect(button).toBeDisabled());
    expect(button).toHaveAccessibleDescription(
      /may not acknowledge or resolve this incident: the permission ai-sre.incident.update/,
    );
  });

  it('refreshes when the backend announces a change to the entity', async () => {
    const backend = serve({ incidents: [] });
    const signals = new FakeSignalApi();
    await renderWithApis(<EntityAiSreIncidentsContent />, { signals });
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
    serve({ incidents: [incident] });
    signals.publish('ai-sre:incidents', {
      incidentId: 'inc-1',
      change: 'opened',
      entityRef: ENTITY_REF,
      status: 'open',
    });
    expect(await screen.findByText(incident.title)).toBeInTheDocument();
    expect(backend.to('/incidents').length).toBeGreaterThan(0);
  });

  it('says so when there are no incidents, and shows the raw signals', async () => {
    serve({ incidents: [] });
    await renderWithApis(<EntityAiSreIncidentsContent />);
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
    expect(await screen.findByText('Detected signals')).toBeInTheDocument();
    expect(screen.getByText(crashSignal.message)).toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    serve({ incidents: 'forbidden' });
    await renderWithApis(<EntityAiSreIncidentsContent />);
    expect(
      await screen.findByText(/Could not load incidents/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeEnabled();
  });

  it('explains the missing Kubernetes annotation', async () => {
    serve();
    await renderWithApis(<EntityAiSreIncidentsContent />, {
      entity: unmappedEntity,
    });
    expect(
      await screen.findByText('No Kubernetes annotation on this entity'),
    ).toBeInTheDocument();
  });
});
