import { CardTitle } from '../shared/styles';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import { useParams } from 'react-router-dom';
import { useIncidentDetails } from '../../hooks/useIncidentDetails';
import { rootRouteRef } from '../../routes';
import { ApprovalCard } from '../approvals/ApprovalCard';
import { ExecutionList } from '../approvals/ExecutionList';
import { LoadError } from '../EntityStates';
import { IncidentView } from '../incident/IncidentView';
import { RootCauseView } from '../rootcause/RootCauseView';

/** One incident with everything about it: `/ai-sre/incidents/:id`. */
export function IncidentPage() {
  const { id } = useParams();
  const root = useRouteRef(rootRouteRef);
  const { value, loading, error, retry, live } = useIncidentDetails(id);
  return (
    <>
      <Box mb={2}>
        <Link to={root()}>All incidents</Link>
      </Box>
      {loading && !value && <Progress />}
      {error && <LoadError error={error} retry={retry} />}
      {value && (
        <IncidentView data={value} onChanged={retry} live={live}>
          <Grid item>
            <RootCauseView data={value} onChanged={retry} />
          </Grid>
          {(value.details.workflow === 'awaiting-approval' ||
            value.details.analysis.plan.length > 0) && (
            <Grid item>
              <ApprovalCard data={value} onChanged={retry} headingLevel={3} />
            </Grid>
          )}
          <Grid item>
            <InfoCard title={<CardTitle>Executions</CardTitle>}>
              <ExecutionList
                executions={value.details.executions ?? []}
                entityRef={value.details.incident.entityRef}
                onChanged={retry}
              />
            </InfoCard>
          </Grid>
        </IncidentView>
      )}
    </>
  );
}
