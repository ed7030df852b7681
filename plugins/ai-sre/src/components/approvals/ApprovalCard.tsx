import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  aiSreExecutionPermission,
  aiSrePlanApprovePermission,
  formatObjectRef,
  IncidentDetails,
  PlanStep,
} from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import { useId, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { aiSreApiRef, PlanDecisionResponse } from '../../api';
import { IncidentData } from '../../hooks/useIncidentDetails';
import { ActionButton } from '../shared/ActionButton';
import { ActionError } from '../shared/ActionError';
import { DiffTable } from '../shared/DiffTable';
import { allOf, useActionPermission } from '../shared/permissions';
import { percent, showValue } from '../format';
import { RiskChip } from '../SeverityChip';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(1, 0),
    '& dt': { fontWeight: theme.typography.fontWeightMedium },
    '& dd': { margin: 0 },
  },
  step: {
    borderLeft: `3px solid ${theme.palette.divider}`,
    paddingLeft: theme.spacing(2),
    marginBottom: theme.spacing(3),
  },
}));

/**
 * The dry-run diff of a step: the server-side preview made when approval
 * was requested, or else a dry-run execution of the same plan.
 */
function dryRunDiff(step: PlanStep, index: number, details: IncidentDetails) {
  const previewed = details.analysis.preview?.[index];
  if (previewed && previewed.action === step.action) {
    return previewed.operations.flatMap(operation => operation.diff);
  }
  for (const execution of details.executions ?? []) {
    if (!execution.dryRun && execution.status !== 'dry-run') continue;
    const ran = execution.steps[index];
    if (ran && ran.action === step.action) {
      return ran.operations.flatMap(operation => operation.diff);
    }
  }
  return undefined;
}

function decisionMessage(decided: PlanDecisionResponse): string {
  if (decided.waitingForSecondApprover) {
    return 'Approval recorded; the plan waits for a second approver.';
  }
  if (decided.execution) {
    return `Decision recorded; execution ${decided.execution.status}: ${decided.execution.details}`;
  }
  return 'Decision recorded.';
}

function PlanStepItem(props: {
  step: PlanStep;
  index: number;
  data: IncidentData;
}) {
  const classes = useStyles();
  const { step, index, data } = props;
  const policy = data.details.analysis.decision?.steps.find(
    s => (s as { index?: number }).index === index,
  ) as
    | { needsApproval?: boolean; allowed?: boolean; reasons?: string[] }
    | undefined;
  const diff = dryRunDiff(step, index, data.details);
  const params = Object.entries(step.params);
  return (
    <li className={classes.step}>
      <Typography variant="h6" component="h4">
        Step {index + 1}: <code>{step.action}</code>
        {step.target ? ` on ${formatObjectRef(step.target)}` : ''}{' '}
        <RiskChip risk={step.risk} />{' '}
        {policy?.needsApproval && (
          <Chip size="small" variant="outlined" label="needs approval" />
        )}
        {policy?.allowed === false && (
          <Chip size="small" variant="outlined" label="refused by policy" />
        )}
      </Typography>
      <dl className={classes.facts}>
        <dt>Expected effect</dt>
        <dd>{step.expectedEffect}</dd>
        <dt>Verification</dt>
        <dd>{step.verification}</dd>
        <dt>Inverse</dt>
        <dd>{step.inverse}</dd>
        <dt>Parameters</dt>
        <dd>
          {params.length
            ? params
                .map(([key, value]) => `${key}: ${showValue(value)}`)
                .join(', ')
            : 'none'}
        </dd>
      </dl>
      <Typography variant="subtitle2" component="h5">
        Dry-run diff
      </Typography>
      {diff ? (
        <DiffTable diff={diff} label={`Dry-run diff of step ${index + 1}`} />
      ) : (
        <Typography variant="body2" color="textSecondary">
          No dry-run diff: there is no server-side preview of this step (it
          changes nothing in the cluster, or the preview failed). Its diff is
          recorded when it runs.
        </Typography>
      )}
      {policy?.reasons && policy.reasons.length > 0 && (
        <>
          <Typography variant="subtitle2" component="h5">
            Policy
          </Typography>
          <ul>
            {policy.reasons.map(reason => (
              <li key={reason}>
                <Typography variant="body2">{reason}</Typography>
              </li>
            ))}
          </ul>
        </>
      )}
    </li>
  );
}

/**
 * A fix plan waiting for a decision: its steps with risk, expected effect,
 * dry-run diff, verification and inverse; approve or reject with a comment,
 * for those the permission policy allows.
 */
export function ApprovalCard(props: {
  data: IncidentData;
  onChanged: () => void;
  /** Told what the backend answered, e.g. to say so after this card is gone. */
  onDecided?: (approve: boolean, response: PlanDecisionResponse) => void;
  headingLevel?: 2 | 3;
}) {
  const { data, onChanged, onDecided } = props;
  const { incident, analysis, workflow } = data.details;
  const api = useApi(aiSreApiRef);
  const [comment, setComment] = useState('');
  const commentId = useId();
  const entityRef = incident.entityRef ?? undefined;
  const canDecide = useActionPermission({
    permission: aiSrePlanApprovePermission,
    resourceRef: entityRef,
    action: 'decide plans for this entity',
  });
  const canExecute = useActionPermission({
    permission: aiSreExecutionPermission,
    resourceRef: entityRef,
    action: 'run actions on this entity',
  });
  const canApprove = allOf(canDecide, canExecute);
  const [decision, decide] = useAsyncFn(
    async (approve: boolean): Promise<PlanDecisionResponse> => {
      try {
        const response = await api.decidePlan(incident.id, {
          approve,
          comment,
        });
        onDecided?.(approve, response);
        return response;
      } finally {
        onChanged();
      }
    },
    [api, incident.id, comment, onChanged, onDecided],
  );
  const pending = workflow === 'awaiting-approval';
  const top = analysis.hypotheses[0];
  const decided = decision.value;
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <InfoCard
      title={
        <Typography variant="h5" component={Heading}>
          Fix plan: {incident.title}
        </Typography>
      }
      subheader={
        top
          ? `Root cause ${top.category} (confidence ${percent(top.confidence)})`
          : undefined
      }
    >
      {analysis.decision && (
        <Box mb={2}>
          <Typography variant="subtitle2" component="h4">
            Why a person must decide
          </Typography>
          <ul>
            {analysis.decision.reasons.map(reason => (
              <li key={reason}>
                <Typography variant="body2">{reason}</Typography>
              </li>
            ))}
          </ul>
        </Box>
      )}
      <ol style={{ listStyle: 'none', padding: 0 }} aria-label="Plan steps">
        {analysis.plan.map((step, index) => (
          <PlanStepItem key={index} step={step} index={index} data={data} />
        ))}
      </ol>
      {decided && (
        <Alert
          severity={
            decided.execution?.status === 'failed' ? 'error' : 'success'
          }
          role="status"
        >
          {decisionMessage(decided)}
        </Alert>
      )}
      <ActionError error={decision.error} />
      {pending ? (
        <>
          {canDecide.allowed || canDecide.loading ? (
            <TextField
              id={commentId}
              fullWidth
              multiline
              minRows={2}
              margin="normal"
              variant="outlined"
              label="Comment (kept in the audit trail)"
              value={comment}
              onChange={event => setComment(event.target.value)}
              inputProps={{ maxLength: 2000 }}
            />
          ) : null}
          <Typography variant="caption" color="textSecondary" paragraph>
            Adjusting a step's parameters before approving is not supported by
            the API yet: approve the plan as shown, or reject it.
          </Typography>
          <Box>
            <ActionButton
              variant="contained"
              color="primary"
              permission={canApprove}
              busy={decision.loading}
              onClick={() => decide(true)}
            >
              Approve and execute
            </ActionButton>
            <ActionButton
              permission={canDecide}
              busy={decision.loading}
              onClick={() => decide(false)}
            >
              Reject
            </ActionButton>
          </Box>
        </>
      ) : (
        !decided && (
          <Typography variant="body2">
            {analysis.approval
              ? `${analysis.approval.approved ? 'Approved' : 'Rejected'} by ${
                  analysis.approval.by
                }${
                  analysis.approval.comment
                    ? `: “${analysis.approval.comment}”`
                    : ''
                }.`
              : 'This plan is not waiting for a decision.'}
          </Typography>
        )
      )}
    </InfoCard>
  );
}
