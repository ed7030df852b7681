import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { Route, Routes } from 'react-router-dom';
import { mockBackend } from '../../__testUtils__/backend';
import {
  audit,
  crashSignal,
  details,
  incident,
} from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/render';
import { AiSrePage } from './AiSrePage';

const server = setupServer();
registerMswTestHooks(server);

const page = (
  <Routes>
    <Route path="/ai-sre/*" element={<AiSrePage />} />
  </Routes>
);

describe('AI SRE page', () => {
  beforeEach(() =>
    mockBackend(server, {
      incidents: [incident],
      details: { [incident.id]: details },
      signals: [crashSignal],
      audit,
    }),
  );

  it('shows one incident with its root cause, plan and timeline', async () => {
    await renderWithApis(page, {
      entity: null,
      route: '/ai-sre/incidents/inc-1',
    });
    expect(
      await screen.findByRole('heading', { level: 2, name: incident.title }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('list', { name: 'Ranked hypotheses' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: `Fix plan: ${incident.title}` }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('list', { name: 'Incident timeline' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'All incidents' })).toHaveAttribute(
      'href',
      '/ai-sre',
    );
  });

  it('navigates between the search and the reliability dashboard', async () => {
    await renderWithApis(page, { entity: null, route: '/ai-sre' });
    expect(await screen.findByText(incident.title)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Incidents' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await userEvent.click(screen.getByRole('link', { name: 'Reliability' }));
    await waitFor(() =>
      expect(screen.getByRole('link', { name: 'Reliability' })).toHaveAttribute(
        'aria-current',
        'page',
      ),
    );
    expect(
      await screen.findByText('Incidents by category'),
    ).toBeInTheDocument();
  });

  it('says when the incident does not exist', async () => {
    await renderWithApis(page, {
      entity: null,
      route: '/ai-sre/incidents/nope',
    });
    expect(
      (await screen.findAllByText(/No incident with id nope/)).length,
    ).toBeGreaterThan(0);
  });
});
