import { IncidentDetails, PlanStep } from '@internal/plugin-ai-sre-common';
import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { mockBackend } from '../../__testUtils__/backend';
import {
  audit,
  crashSignal,
  details,
  incident,
} from '../../__testUtils__/fixtures';
import { renderWithApis } from '../../__testUtils__/render';
import { EntityAiSreApprovalsContent } from '../EntityAiSreApprovalsContent';
import { adjustmentsOf } from './ApprovalCard';

// Typing into several inputs is slow on a busy machine.
jest.setTimeout(30_000);

const server = setupServer();
registerMswTestHooks(server);

const plan: PlanStep[] = [
  {
    ...details.analysis.plan[0],
    action: 'scale-workload',
    params: { replicas: 3, reason: 'load', force: false },
  },
];
const scalable: IncidentDetails = {
  ...details,
  analysis: { ...details.analysis, plan, preview: [] },
};

function serve(
  found: IncidentDetails,
  overrides: Partial<Parameters<typeof mockBackend>[1]> = {},
) {
  return mockBackend(server, {
    incidents: [incident],
    details: { [incident.id]: found },
    signals: [crashSignal],
    audit,
    ...overrides,
  });
}

describe('adjustmentsOf', () => {
  it('keeps only changed parameters, with their original type', () => {
    expect(
      adjustmentsOf(plan, {
        0: { replicas: '5', reason: 'load', force: true },
      }),
    ).toEqual({
      adjustments: [{ step: 0, params: { replicas: 5, force: true } }],
    });
    expect(adjustmentsOf(plan, { 0: { replicas: '3' } })).toEqual({
      adjustments: [],
    });
    expect(adjustmentsOf(plan, { 0: { replicas: 'x' } }).problem).toBe(
      'Step 1: replicas must be a number.',
    );
  });
});

describe('Adjusting a plan before approving it', () => {
  it('sends the adjusted parameters with the approval', async () => {
    const backend = serve(scalable, {
      post: {
        status: 200,
        body: {
          incident,
          workflow: 'awaiting-approval',
          execution: null,
          waitingForSecondApprover: true,
        },
      },
    });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    await userEvent.click(
      await screen.findByRole(
        'button',
        { name: 'Adjust the parameters of step 1' },
        { timeout: 10_000 },
      ),
    );
    const replicas = screen.getByRole('spinbutton', {
      name: 'replicas of step 1',
    });
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '5');
    await userEvent.click(
      screen.getByRole('checkbox', { name: 'force of step 1' }),
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: /Comment/ }),
      'five is enough',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Approve adjusted plan' }),
    );
    await waitFor(() =>
      expect(
        backend.to(`/incidents/${incident.id}/approval`, 'POST'),
      ).toHaveLength(1),
    );
    expect(
      backend.to(`/incidents/${incident.id}/approval`, 'POST')[0].body,
    ).toEqual({
      approve: true,
      comment: 'five is enough',
      adjustments: [{ step: 0, params: { replicas: 5, force: true } }],
    });
    expect(
      await screen.findByText(/the plan waits for a second approver/),
    ).toBeInTheDocument();
  });

  it('shows the reason the backend refuses an adjustment', async () => {
    serve(scalable, {
      post: {
        status: 400,
        body: {
          error: {
            name: 'InputError',
            message: 'Step 1: replicas 50 is above the policy maximum of 10',
          },
          response: { statusCode: 400 },
        },
      },
    });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    await userEvent.click(
      await screen.findByRole(
        'button',
        { name: 'Adjust the parameters of step 1' },
        { timeout: 10_000 },
      ),
    );
    const replicas = screen.getByRole('spinbutton', {
      name: 'replicas of step 1',
    });
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '50');
    await userEvent.click(
      screen.getByRole('button', { name: 'Approve adjusted plan' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Step 1: replicas 50 is above the policy maximum of 10',
    );
  });

  it('says the adjusted plan waits for a second approver, whom the adjuster cannot be', async () => {
    const waiting: IncidentDetails = {
      ...scalable,
      analysis: {
        ...scalable.analysis,
        pendingAdjustment: {
          by: 'user:default/alice',
          plan: [{ ...plan[0], params: { ...plan[0].params, replicas: 5 } }],
        },
      },
    };
    serve(waiting);
    const first = await renderWithApis(<EntityAiSreApprovalsContent />, {
      user: 'user:default/alice',
    });
    const status = await screen.findByText(/Waiting for a second approver/);
    expect(status).toHaveTextContent(
      'Waiting for a second approver (adjusted by user:default/alice). Adjusted parameters: step 1 replicas: 5, reason: load, force: false.',
    );
    await waitFor(() =>
      expect(status).toHaveTextContent(
        'You adjusted it, so another person must approve it.',
      ),
    );
    expect(
      screen.getByRole('button', { name: 'Approve and execute' }),
    ).toBeDisabled();
    expect(
      screen.getByText(
        'You adjusted this plan: a second person must approve it.',
      ),
    ).toBeInTheDocument();
    first.unmount();

    await renderWithApis(<EntityAiSreApprovalsContent />, {
      user: 'user:default/bob',
    });
    await screen.findByText(/Waiting for a second approver/);
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Approve and execute' }),
      ).toBeEnabled(),
    );
    expect(
      within(screen.getByRole('list', { name: 'Plan steps' })).getByRole(
        'button',
        { name: 'Adjust the parameters of step 1' },
      ),
    ).toBeInTheDocument();
  });
});
