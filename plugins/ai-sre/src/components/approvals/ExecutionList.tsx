import { useApi } from '@backstage/core-plugin-api';
import {
  aiSreExecutionPermission,
  ExecutionSummary,
  formatObjectRef,
} from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import LinearProgress from '@material-ui/core/LinearProgress';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { aiSreApiRef } from '../../api';
import { executionAnchor } from '../incident/timeline';
import { ActionButton } from '../shared/ActionButton';
import { ActionError } from '../shared/ActionError';
import { ConfirmDialog } from '../shared/ConfirmDialog';
import { DiffTable } from '../shared/DiffTable';
import { useActionPermission } from '../shared/permissions';
import { absoluteTime, durationBetween } from '../format';

/** Step statuses of the execution store that mean the step is over. */
const FINISHED_STEP = [
  'applied',
  'noted',
  'dry-run',
  'failed',
  'skipped',
  'reverted',
];

function rollbackUnavailable(execution: ExecutionSummary): string | undefined {
  if (execution.dryRun || execution.status === 'dry-run') {
    return 'A dry run changed nothing, so there is nothing to roll back.';
  }
  if (execution.status === 'running') {
    return 'The execution is still running.';
  }
  if (execution.status === 'rolled-back') {
    return 'Already rolled back.';
  }
  if (execution.status !== 'succeeded') {
    return `Only a succeeded execution can be rolled back (this one ${execution.status}).`;
  }
  return undefined;
}

/** One execution of a fix plan: live progress, step diffs, rollback. */
export function ExecutionItem(props: {
  execution: ExecutionSummary;
  entityRef: string | null;
  onChanged: () => void;
}) {
  const { execution, entityRef, onChanged } = props;
  const api = useApi(aiSreApiRef);
  const [confirming, setConfirming] = useState(false);
  const canExecute = useActionPermission({
    permission: aiSreExecutionPermission,
    resourceRef: entityRef ?? undefined,
    action: 'roll back executions on this entity',
  });
  const [rollback, rollBack] = useAsyncFn(async () => {
    await api.rollbackExecution(execution.id);
    onChanged();
  }, [api, execution.id, onChanged]);
  const done = execution.steps.filter(s =>
    FINISHED_STEP.includes(s.status),
  ).length;
  const total = execution.steps.length;
  const running = execution.status === 'running';
  return (
    <Paper
      variant="outlined"
      component="section"
      id={executionAnchor(execution.id)}
      tabIndex={-1}
      aria-label={`Execution ${execution.status}`}
      style={{ padding: 16, marginBottom: 16 }}
    >
      <Typography variant="subtitle1" component="h4">
        Execution {execution.dryRun ? '(dry run) ' : ''}
        <Chip
          size="small"
          label={execution.status}
          style={
            execution.status === 'failed'
              ? { background: '#b71c1c', color: '#ffffff' }
              : undefined
          }
        />
      </Typography>
      <Typography variant="body2">
        Requested by {execution.requestedBy ?? 'policy'}; started{' '}
        {absoluteTime(execution.startedAt)}
        {execution.finishedAt
          ? `, took ${durationBetween(
              execution.startedAt,
              execution.finishedAt,
            )}`
          : ''}
        .
      </Typography>
      {execution.details && (
        <Typography variant="body2" paragraph>
          {execution.details}
        </Typography>
      )}
      <Box my={1}>
        <LinearProgress
          variant={running && total === 0 ? 'indeterminate' : 'determinate'}
          value={total ? Math.round((done / total) * 100) : 100}
          aria-label={`Execution progress: ${done} of ${total} steps finished`}
        />
        <Typography variant="caption" role="status">
          {running
            ? `Running: ${done} of ${total} steps finished`
            : `${done} of ${total} steps finished`}
        </Typography>
      </Box>
      <ol>
        {execution.steps.map((step, index) => (
          <li key={index}>
            <Typography variant="body2">
              <code>{step.action}</code> — {step.status}
              {step.error ? `: ${step.error}` : ''}
            </Typography>
            {step.operations.map((operation, opIndex) => (
              <Box key={opIndex} ml={2} mb={1}>
                <Typography variant="body2">
                  {operation.type} {formatObjectRef(operation.object)}:{' '}
                  {operation.summary} ({operation.status}
                  {operation.error ? `: ${operation.error}` : ''})
                </Typography>
                <DiffTable
                  diff={operation.diff}
                  label={`Diff of ${operation.summary}`}
                />
              </Box>
            ))}
          </li>
        ))}
      </ol>
      <ActionError error={rollback.error} />
      <ActionButton
        permission={canExecute}
        unavailable={rollbackUnavailable(execution)}
        busy={rollback.loading}
        onClick={() => setConfirming(true)}
      >
        Roll back
      </ActionButton>
      <ConfirmDialog
        open={confirming}
        title="Roll back this execution?"
        description="Each changed object is restored to what it was before the execution. This changes the cluster."
        confirm="Roll back"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          rollBack();
        }}
      />
    </Paper>
  );
}

/** The executions of an incident's plans, newest first. */
export function ExecutionList(props: {
  executions: ExecutionSummary[];
  entityRef: string | null;
  onChanged: () => void;
}) {
  if (!props.executions.length) {
    return (
      <Typography variant="body2">Nothing has been executed yet.</Typography>
    );
  }
  const sorted = [...props.executions].sort((a, b) =>
    b.startedAt.localeCompare(a.startedAt),
  );
  return (
    <>
      {sorted.map(execution => (
        <ExecutionItem
          key={execution.id}
          execution={execution}
          entityRef={props.entityRef}
          onChanged={props.onChanged}
        />
      ))}
    </>
  );
}
