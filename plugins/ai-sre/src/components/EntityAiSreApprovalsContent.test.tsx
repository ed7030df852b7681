import { IncidentDetails } from '@internal/plugin-ai-sre-common';
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
  execution,
  incident,
} from '../__testUtils__/fixtures';
import { FakeSignalApi, renderWithApis } from '../__testUtils__/render';
import { EntityAiSreApprovalsContent } from './EntityAiSreApprovalsContent';

const server = setupServer();
registerMswTestHooks(server);

const executed: IncidentDetails = {
  ...details,
  incident: { ...incident, status: 'mitigating' },
  workflow: 'done',
  analysis: {
    ...details.analysis,
    approval: { approved: true, by: 'user:default/guest' },
  },
  executions: [execution],
};

function serve(overrides: Partial<Parameters<typeof mockBackend>[1]> = {}) {
  return mockBackend(server, {
    incidents: [incident],
    details: { [incident.id]: details },
    signals: [crashSignal],
    audit,
    ...overrides,
  });
}

describe('Approvals tab', () => {
  it('shows the pending plan: risk, expected effect, diff, verification and inverse', async () => {
    serve();
    await renderWithApis(<EntityAiSreApprovalsContent />);
    expect(
      await screen.findByRole('heading', {
        name: `Fix plan: ${incident.title}`,
      }),
    ).toBeInTheDocument();
    const steps = screen.getByRole('list', { name: 'Plan steps' });
    expect(
      within(steps).getByRole('heading', {
        name: /Step 1: rollback-deployment on Deployment\/bookstore\/catalog-api/,
      }),
    ).toHaveTextContent('medium risk');
    expect(within(steps).getByText('needs approval')).toBeInTheDocument();
    expect(
      within(steps).getByText('catalog-api returns to revision 1'),
    ).toBeInTheDocument();
    expect(
      within(steps).getByText('All replicas are Ready and stop restarting'),
    ).toBeInTheDocument();
    expect(
      within(steps).getByText('Roll catalog-api forward again to revision 2.'),
    ).toBeInTheDocument();
    expect(
      within(steps).getByText('revision: 1, fromRevision: 2'),
    ).toBeInTheDocument();
    expect(within(steps).getByText(/No dry-run diff:/)).toBeInTheDocument();
    expect(
      within(steps).getByRole('button', {
        name: 'Adjust the parameters of step 1',
      }),
    ).toBeInTheDocument();
  });

  it('shows the dry-run diff of the server-side preview', async () => {
    serve({
      details: {
        [incident.id]: {
          ...details,
          analysis: { ...details.analysis, preview: execution.steps },
        },
      },
    });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    const diff = await screen.findByRole('table', {
      name: 'Dry-run diff of step 1',
    });
    expect(diff).toHaveTextContent('spec.template.spec.containers[0].image');
    expect(diff).toHaveTextContent('catalog-api:2.5.0');
    expect(diff).toHaveTextContent('catalog-api:2.4.0');
  });

  it('shows the dry-run diff when a dry run of the plan exists', async () => {
    serve({
      details: {
        [incident.id]: {
          ...details,
          executions: [
            { ...execution, id: 'dry', status: 'dry-run', dryRun: true },
          ],
        },
      },
    });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    const diff = await screen.findByRole('table', {
      name: 'Dry-run diff of step 1',
    });
    expect(diff).toHaveTextContent('spec.template.spec.containers[0].image');
    expect(diff).toHaveTextContent(
      'ghcr.io/example-bookstore/catalog-api:2.4.0',
    );
  });

  it('lets an owner approve with a comment, then shows the execution', async () => {
    serve();
    await renderWithApis(<EntityAiSreApprovalsContent />);
    await userEvent.type(
      await screen.findByRole('textbox', { name: /Comment/ }),
      'Roll it back',
    );
    // From now on the backend answers as after the approval.
    const backend = serve({ details: { [incident.id]: executed } });
    const approve = screen.getByRole('button', { name: 'Approve and execute' });
    await waitFor(() => expect(approve).toBeEnabled());
    await userEvent.click(approve);
    await waitFor(() =>
      expect(backend.to('/incidents/inc-1/approval', 'POST')).toHaveLength(1),
    );
    expect(backend.to('/incidents/inc-1/approval', 'POST')[0].body).toEqual({
      approve: true,
      comment: 'Roll it back',
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      `Plan approved: ${incident.title}; execution succeeded: rolled back`,
    );
    expect(await screen.findByText('Executions')).toBeInTheDocument();
    expect(
      screen.getByRole('table', {
        name: 'Diff of catalog-api back to revision 1',
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('1 of 1 steps finished')).toBeInTheDocument();
    expect(screen.getByText('No pending approvals')).toBeInTheDocument();
  });

  it('rejects a plan', async () => {
    const backend = serve();
    await renderWithApis(<EntityAiSreApprovalsContent />);
    const reject = await screen.findByRole('button', { name: 'Reject' });
    await waitFor(() => expect(reject).toBeEnabled());
    await userEvent.click(reject);
    await waitFor(() =>
      expect(backend.to('/incidents/inc-1/approval', 'POST')).toHaveLength(1),
    );
    expect(backend.to('/incidents/inc-1/approval', 'POST')[0].body).toEqual({
      approve: false,
    });
  });

  it('says when someone else decided first (409)', async () => {
    serve({
      post: {
        status: 409,
        body: {
          error: {
            name: 'ConflictError',
            message: 'The plan of incident inc-1 was already decided',
          },
          response: { statusCode: 409 },
        },
      },
    });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    const approve = await screen.findByRole('button', {
      name: 'Approve and execute',
    });
    await waitFor(() => expect(approve).toBeEnabled());
    await userEvent.click(approve);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Someone else got there first: The plan of incident inc-1 was already decided',
    );
  });

  it('disables approving and rejecting with the reason when the approve permission is missing', async () => {
    const backend = serve();
    await renderWithApis(<EntityAiSreApprovalsContent />, {
      deny: ['ai-sre.plan.approve'],
    });
    const approve = await screen.findByRole('button', {
      name: 'Approve and execute',
    });
    const reject = screen.getByRole('button', { name: 'Reject' });
    await waitFor(() => expect(approve).toBeDisabled());
    expect(reject).toBeDisabled();
    expect(approve).toHaveAccessibleDescription(
      `You may not decide plans for this entity: the permission ai-sre.plan.approve on ${ENTITY_REF} is not granted to you (usually only the owners of the entity may).`,
    );
    // Without the permission there is nothing to comment on.
    expect(screen.queryByRole('textbox', { name: /Comment/ })).toBeNull();
    expect(backend.to('/incidents/inc-1/approval', 'POST')).toHaveLength(0);
  });

  it('allows rejecting but not approving without the execution permission', async () => {
    serve();
    await renderWithApis(<EntityAiSreApprovalsContent />, {
      deny: ['ai-sre.execution.run'],
    });
    const approve = await screen.findByRole('button', {
      name: 'Approve and execute',
    });
    await waitFor(() => expect(approve).toBeDisabled());
    expect(approve).toHaveAccessibleDescription(
      /may not run actions on this entity/,
    );
    expect(screen.getByRole('button', { name: 'Reject' })).toBeEnabled();
  });

  it('shows live progress of a running execution and refreshes on signals', async () => {
    serve({
      details: {
        [incident.id]: {
          ...executed,
          executions: [
            {
              ...execution,
              status: 'running',
              finishedAt: null,
              steps: [
                { ...execution.steps[0], status: 'applied' },
                {
                  action: 'notify-owner',
                  status: 'pending',
                  operations: [],
                },
              ],
            },
          ],
        },
      },
    });
    const signals = new FakeSignalApi();
    await renderWithApis(<EntityAiSreApprovalsContent />, { signals });
    expect(
      await screen.findByText('Running: 1 of 2 steps finished'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', {
        name: 'Execution progress: 1 of 2 steps finished',
      }),
    ).toHaveAttribute('aria-valuenow', '50');
    const rollback = screen.getByRole('button', { name: 'Roll back' });
    expect(rollback).toBeDisabled();
    expect(rollback).toHaveAccessibleDescription(
      'The execution is still running.',
    );

    serve({ details: { [incident.id]: executed } });
    signals.publish('ai-sre:incidents', {
      incidentId: 'inc-1',
      change: 'executed',
      entityRef: ENTITY_REF,
      status: 'mitigating',
    });
    expect(
      await screen.findByText('1 of 1 steps finished'),
    ).toBeInTheDocument();
  });

  it('rolls back a finished execution after confirming', async () => {
    const backend = serve({ details: { [incident.id]: executed } });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    const rollback = await screen.findByRole('button', { name: 'Roll back' });
    await waitFor(() => expect(rollback).toBeEnabled());
    await userEvent.click(rollback);
    const dialog = await screen.findByRole('dialog', {
      name: 'Roll back this execution?',
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Roll back' }),
    );
    await waitFor(() =>
      expect(backend.to('/executions/exec-1/rollback', 'POST')).toHaveLength(1),
    );
  });

  it('disables rollback with the reason without the execution permission', async () => {
    serve({ details: { [incident.id]: executed } });
    await renderWithApis(<EntityAiSreApprovalsContent />, {
      deny: ['ai-sre.execution.run'],
    });
    const rollback = await screen.findByRole('button', { name: 'Roll back' });
    await waitFor(() => expect(rollback).toBeDisabled());
    expect(rollback).toHaveAccessibleDescription(
      /may not roll back executions on this entity/,
    );
  });

  it('says there is nothing to decide without open incidents', async () => {
    serve({ incidents: [] });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    expect(
      await screen.findByText(/has no open incidents/),
    ).toBeInTheDocument();
  });

  it('says none of the open incidents awaits approval', async () => {
    serve({ details: { [incident.id]: { ...details, workflow: 'done' } } });
    await renderWithApis(<EntityAiSreApprovalsContent />);
    expect(await screen.findByText('No pending approvals')).toBeInTheDocument();
    expect(screen.getByText(/has 1 open incident,/)).toBeInTheDocument();
  });
});
