import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useCallback, useState } from 'react';
import { PlanDecisionResponse } from '../api';
import { useEntityIncidents } from '../hooks/useEntityIncidents';
import { useIncidentDetailsOf } from '../hooks/useEntityIncidentDetails';
import { ApprovalCard } from './approvals/ApprovalCard';
import { ExecutionList } from './approvals/ExecutionList';
import { CardTitle } from './shared/styles';
import {
  isMappedToKubernetes,
  LoadError,
  MissingAnnotationState,
} from './EntityStates';

/**
 * The Approvals tab: fix plans of the entity's incidents waiting for a
 * decision, with approve and reject for those allowed, and the executions of
 * approved plans with their live progress and a rollback.
 *
 * @public
 */
export function EntityAiSreApprovalsContent() {
  const incidents = useEntityIncidents();
  const details = useIncidentDetailsOf(incidents.value?.items);
  const { entity } = incidents;
  const [decisions, setDecisions] = useState<
    Array<{ title: string; approve: boolean; response: PlanDecisionResponse }>
  >([]);
  const refresh = useCallback(() => {
    incidents.retry();
    details.retry();
  }, [incidents, details]);

  if (!isMappedToKubernetes(entity)) {
    return <MissingAnnotationState />;
  }
  if (
    (incidents.loading && !incidents.value) ||
    (details.loading && !details.value)
  ) {
    return <Progress />;
  }
  const error = incidents.error ?? details.error;
  if (error) {
    return <LoadError error={error} retry={refresh} />;
  }
  const all = details.value ?? [];
  const pending = all.filter(d => d.details.workflow === 'awaiting-approval');
  const withExecutions = all.filter(
    d => (d.details.executions ?? []).length > 0,
  );
  const open = (incidents.value?.items ?? []).filter(
    i => !['resolved', 'false-positive'].includes(i.status),
  ).length;

  return (
    <Grid container spacing={3} direction="column">
      {decisions.length > 0 && (
        <Grid item>
          {decisions.map(({ title, approve, response }, index) => (
            <Alert
              key={index}
              severity={
                response.execution?.status === 'failed' ? 'error' : 'success'
              }
              style={{ marginBottom: 8 }}
            >
              {approve ? 'Plan approved' : 'Plan rejected'}: {title}
              {response.execution
                ? `; execution ${response.execution.status}: ${response.execution.details}`
                : ''}
            </Alert>
          ))}
        </Grid>
      )}
      {pending.length === 0 ? (
        <Grid item>
          <EmptyState
            missing="data"
            title="No pending approvals"
            description={
              open === 0
                ? `${entity.metadata.name} has no open incidents, so no fix is waiting for a decision.`
                : `${entity.metadata.name} has ${open} open incident${
                    open === 1 ? '' : 's'
                  }, and none of them has a fix plan waiting for approval.`
            }
          />
        </Grid>
      ) : (
        pending.map(data => (
          <Grid item key={data.details.incident.id}>
            <ApprovalCard
              data={data}
              onChanged={refresh}
              onDecided={(approve, response) =>
                setDecisions(previous => [
                  ...previous,
                  { title: data.details.incident.title, approve, response },
                ])
              }
            />
          </Grid>
        ))
      )}
      {withExecutions.length > 0 && (
        <Grid item>
          <InfoCard
            title={<CardTitle>Executions</CardTitle>}
            subheader="Approved plans as they run, with their diffs; a succeeded execution can be rolled back"
          >
            {withExecutions.map(data => (
              <section key={data.details.incident.id}>
                <Typography variant="subtitle1" component="h3">
                  {data.details.incident.title}
                </Typography>
                <ExecutionList
                  executions={data.details.executions ?? []}
                  entityRef={data.details.incident.entityRef}
                  onChanged={refresh}
                />
              </section>
            ))}
          </InfoCard>
        </Grid>
      )}
    </Grid>
  );
}
