import { InfoCard } from '@backstage/core-components';
import {
  identityApiRef,
  useApi,
  useApiHolder,
} from '@backstage/core-plugin-api';
import {
  aiSreExecutionPermission,
  aiSrePlanApprovePermission,
  formatObjectRef,
  IncidentDetails,
  PlanStep,
} from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Chip from '@material-ui/core/Chip';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import { useId, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { aiSreApiRef, PlanAdjustment, PlanDecisionResponse } from '../../api';
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

type ParamValue = string | number | boolean;
/** Edited parameters of the steps, by step index; numbers as typed. */
type Edits = Record<number, Record<string, string | boolean>>;

/**
 * The adjustments to send: per step, only the parameters whose value
 * changed, with their original type; or the first problem found.
 */
export function adjustmentsOf(
  plan: PlanStep[],
  edits: Edits,
): { adjustments: PlanAdjustment[]; problem?: string } {
  const adjustments: PlanAdjustment[] = [];
  for (const [key, edited] of Object.entries(edits)) {
    const index = Number(key);
    const step = plan[index];
    if (!step) continue;
    const params: Record<string, ParamValue> = {};
    for (const [name, raw] of Object.entries(edited)) {
      const original = step.params[name];
      let value: ParamValue = raw;
      if (typeof original === 'number') {
        value = Number(raw);
        if (String(raw).trim() === '' || !Number.isFinite(value)) {
          return {
            adjustments,
            problem: `Step ${index + 1}: ${name} must be a number.`,
          };
        }
      }
      if (value !== original) params[name] = value;
    }
    if (Object.keys(params).length) adjustments.push({ step: index, params });
  }
  return { adjustments };
}

function ParamInput(props: {
  name: string;
  original: ParamValue;
  value: string | boolean;
  stepLabel: string;
  onChange: (value: string | boolean) => void;
}) {
  const { name, original, value, stepLabel, onChange } = props;
  if (typeof original === 'boolean') {
    return (
      <FormControlLabel
        control={
          <Checkbox
            checked={Boolean(value)}
            onChange={event => onChange(event.target.checked)}
            inputProps={{ 'aria-label': `${name} of ${stepLabel}` }}
          />
        }
        label={name}
      />
    );
  }
  return (
    <TextField
      margin="dense"
      variant="outlined"
      size="small"
      label={name}
      type={typeof original === 'number' ? 'number' : 'text'}
      value={value}
      onChange={event => onChange(event.target.value)}
      inputProps={{ 'aria-label': `${name} of ${stepLabel}` }}
      style={{ marginRight: 16 }}
    />
  );
}

function PlanStepItem(props: {
  step: PlanStep;
  index: number;
  data: IncidentData;
  /** Set when the person may adjust this step's parameters now. */
  adjust?: {
    values: Record<string, string | boolean> | undefined;
    onChange: (values: Record<string, string | boolean> | undefined) => void;
  };
}) {
  const classes = useStyles();
  const { step, index, data, adjust } = props;
  const stepLabel = `step ${index + 1}`;
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
          {adjust && params.length > 0 && !adjust.values && (
            <Button
              size="small"
              style={{ marginLeft: 8 }}
              aria-label={`Adjust the parameters of ${stepLabel}`}
              onClick={() =>
                adjust.onChange(
                  Object.fromEntries(
                    params.map(([key, value]) => [
                      key,
                      typeof value === 'boolean' ? value : String(value),
                    ]),
                  ),
                )
              }
            >
              Adjust
            </Button>
          )}
        </dd>
      </dl>
      {adjust?.values && (
        <Box
          component="fieldset"
          border={0}
          p={0}
          m={0}
          mb={2}
          aria-label={`Adjusted parameters of ${stepLabel}`}
        >
          <Typography variant="subtitle2" component="legend">
            Adjusted parameters (same type; the policy re-checks them)
          </Typography>
          {params.map(([key, original]) => (
            <ParamInput
              key={key}
              name={key}
              original={original}
              stepLabel={stepLabel}
              value={adjust.values![key] ?? String(original)}
              onChange={value =>
                adjust.onChange({ ...adjust.values!, [key]: value })
              }
            />
          ))}
          <Button size="small" onClick={() => adjust.onChange(undefined)}>
            Undo adjustments
          </Button>
        </Box>
      )}
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
  const [edits, setEdits] = useState<Edits>({});
  const { adjustments, problem } = adjustmentsOf(analysis.plan, edits);
  const identityApi = useApiHolder().get(identityApiRef);
  const me = useAsync(
    async () =>
      (await identityApi?.getBackstageIdentity())?.userEntityRef ?? null,
    [identityApi],
  ).value;
  const pendingAdjustment = analysis.pendingAdjustment;
  const adjustedByMe = Boolean(
    pendingAdjustment && me && pendingAdjustment.by === me,
  );
  const [decision, decide] = useAsyncFn(
    async (approve: boolean): Promise<PlanDecisionResponse> => {
      try {
        const response = await api.decidePlan(incident.id, {
          approve,
          comment,
          ...(approve && adjustments.length ? { adjustments } : {}),
        });
        setEdits({});
        onDecided?.(approve, response);
        return response;
      } finally {
        onChanged();
      }
    },
    [api, incident.id, comment, adjustments, onChanged, onDecided],
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
          <PlanStepItem
            key={index}
            step={step}
            index={index}
            data={data}
            adjust={
              pending && canDecide.allowed && !adjustedByMe
                ? {
                    values: edits[index],
                    onChange: values =>
                      setEdits(previous => {
                        const next = { ...previous };
                        if (values) next[index] = values;
                        else delete next[index];
                        return next;
                      }),
                  }
                : undefined
            }
          />
        ))}
      </ol>
      {pending && pendingAdjustment && (
        <Alert severity="info" role="status" style={{ marginBottom: 8 }}>
          Waiting for a second approver (adjusted by {pendingAdjustment.by}
          {pendingAdjustment.comment ? `: “${pendingAdjustment.comment}”` : ''}
          ). Adjusted parameters:{' '}
          {pendingAdjustment.plan
            .map(
              (step, index) =>
                `step ${index + 1} ${Object.entries(step.params)
                  .map(([key, value]) => `${key}: ${showValue(value)}`)
                  .join(', ')}`,
            )
            .join('; ')}
          .
          {adjustedByMe
            ? ' You adjusted it, so another person must approve it.'
            : ''}
        </Alert>
      )}
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
          <Box>
            <ActionButton
              variant="contained"
              color="primary"
              permission={canApprove}
              unavailable={
                adjustedByMe
                  ? 'You adjusted this plan: a second person must approve it.'
                  : problem
              }
              busy={decision.loading}
              onClick={() => decide(true)}
            >
              {adjustments.length
                ? 'Approve adjusted plan'
                : 'Approve and execute'}
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
