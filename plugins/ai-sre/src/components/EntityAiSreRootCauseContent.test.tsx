import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { mockBackend } from '../__testUtils__/backend';
import {
  audit,
  crashSignal,
  details,
  incident,
  resolvedIncident,
} from '../__testUtils__/fixtures';
import { renderWithApis } from '../__testUtils__/render';
import { EntityAiSreRootCauseContent } from './EntityAiSreRootCauseContent';

const server = setupServer();
registerMswTestHooks(server);

function serve(overrides: Partial<Parameters<typeof mockBackend>[1]> = {}) {
  return mockBackend(server, {
    incidents: [incident, resolvedIncident],
    details: {
      [incident.id]: details,
      [resolvedIncident.id]: {
        ...details,
        incident: resolvedIncident,
        workflow: 'done',
        analysis: { ...details.analysis, hypotheses: [] },
      },
    },
    signals: [crashSignal],
    audit,
    ...overrides,
  });
}

describe('Root cause tab', () => {
  it('ranks the hypotheses of the latest incident with confidence and cited evidence', async () => {
    serve();
    await renderWithApis(<EntityAiSreRootCauseContent />);
    const ranked = await screen.findByRole('list', {
      name: 'Ranked hypotheses',
    });
    const [first, second] = within(ranked).getAllByRole('heading', {
      level: 4,
    });
    expect(first).toHaveTextContent(
      '#1 bad-deploy — Deployment/bookstore/catalog-api',
    );
    expect(second).toHaveTextContent('#2 dependency-failure');
    expect(within(ranked).getByText('confidence 72%')).toBeInTheDocument();
    expect(
      within(ranked).getByRole('progressbar', {
        name: 'Confidence of hypothesis 1',
      }),
    ).toHaveAttribute('aria-valuenow', '72');

    // Evidence links go to the signal, event, quoted log line and metric window.
    const signalLink = within(ranked).getByRole('link', {
      name: `crash-loop: ${crashSignal.message}`,
    });
    expect(signalLink).toHaveAttribute('href', '#evidence-sig-crash');
    expect(
      within(ranked).getByRole('link', {
        name: /BackOff on Pod\/bookstore\/catalog-api-7d9f-abcde/,
      }),
    ).toHaveAttribute('href', '#evidence-sig-crash');
    const logLink = within(ranked).getByRole('link', {
      name: /Cannot find module '.\/search\/ranker'/,
    });
    expect(logLink).toHaveAttribute('href', '#evidence-sig-crash-log-0-1');
    expect(
      within(ranked).getByRole('link', { name: /container_restarts/ }),
    ).toHaveAttribute('href', '#evidence-sig-crash-metric-0');
    expect(
      within(ranked).getByText(/2.4.0 -> 2.5.0 \(its diff is not served/),
    ).toBeInTheDocument();

    // Following a link moves the focus to the evidence.
    await userEvent.click(logLink);
    expect(document.getElementById('evidence-sig-crash-log-0-1')).toHaveFocus();
  });

  it('shows the agent trace: each node, its input summary, output and duration', async () => {
    serve();
    await renderWithApis(<EntityAiSreRootCauseContent />);
    const trace = await screen.findByRole('table', { name: 'Agent trace' });
    const rows = within(trace).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('detect');
    expect(rows[1]).toHaveTextContent('2 signals');
    expect(rows[1]).toHaveTextContent('{"outcome":"incident"}');
    expect(rows[1]).toHaveTextContent('13ms');
    expect(rows[2]).toHaveTextContent('rootCause');
  });

  it('switches to another incident, kept in the URL', async () => {
    const backend = serve();
    await renderWithApis(<EntityAiSreRootCauseContent />);
    await screen.findByRole('list', { name: 'Ranked hypotheses' });
    await userEvent.selectOptions(
      screen.getByLabelText('Incident'),
      resolvedIncident.id,
    );
    expect(
      await screen.findByText(/No root cause could be established/),
    ).toBeInTheDocument();
    expect(backend.to(`/incidents/${resolvedIncident.id}`)).toHaveLength(1);
  });

  it('marks the incident as a false positive with a reason', async () => {
    const backend = serve();
    await renderWithApis(<EntityAiSreRootCauseContent />);
    const mark = await screen.findByRole('button', {
      name: 'Mark as false positive',
    });
    await waitFor(() => expect(mark).toBeEnabled());
    await userEvent.click(mark);
    const dialog = await screen.findByRole('dialog', {
      name: 'Mark as a false positive',
    });
    const confirm = within(dialog).getByRole('button', {
      name: 'Mark as false positive',
    });
    expect(confirm).toBeDisabled(); // a reason is required
    await userEvent.type(
      within(dialog).getByRole('textbox'),
      'Planned load test',
    );
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(
        backend.to('/incidents/inc-1/false-positive', 'POST'),
      ).toHaveLength(1),
    );
    expect(
      backend.to('/incidents/inc-1/false-positive', 'POST')[0].body,
    ).toEqual({ reason: 'Planned load test' });
  });

  it('disables marking a false positive with the reason when not allowed', async () => {
    serve();
    await renderWithApis(<EntityAiSreRootCauseContent />, {
      deny: ['ai-sre.incident.update'],
    });
    const button = await screen.findByRole('button', {
      name: 'Mark as false positive',
    });
    await waitFor(() => expect(button).toBeDisabled());
    expect(button).toHaveAccessibleDescription(
      /may not mark this incident as a false positive/,
    );
  });

  it('says when the analysis has not finished', async () => {
    serve({
      details: {
        [incident.id]: {
          ...details,
          workflow: 'running',
          analysis: { ...details.analysis, hypotheses: [] },
        },
      },
    });
    await renderWithApis(<EntityAiSreRootCauseContent />);
    expect(await screen.findByText(/has not finished yet/)).toBeInTheDocument();
  });

  it('has an honest empty state', async () => {
    serve({ incidents: [] });
    await renderWithApis(<EntityAiSreRootCauseContent />);
    expect(
      await screen.findByText('No root cause to show'),
    ).toBeInTheDocument();
  });
});
