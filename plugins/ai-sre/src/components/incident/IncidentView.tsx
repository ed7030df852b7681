import { CardTitle } from '../shared/styles';
import { InfoCard } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { ReactNode, useMemo } from 'react';
import { IncidentData } from '../../hooks/useIncidentDetails';
import { ChangesPanel } from './ChangesPanel';
import { EvidencePanel } from './EvidencePanel';
import { IncidentSummary } from './IncidentSummary';
import { IncidentTimeline } from './IncidentTimeline';
import { buildTimeline, incidentSignals } from './timeline';

/**
 * One incident: its summary and actions, the timeline of everything that
 * happened, the changes cited, and the evidence (redacted log snapshot,
 * Kubernetes events, metric charts). `children` go between the summary and
 * the timeline (the standalone page puts the root cause and approval there).
 */
export function IncidentView(props: {
  data: IncidentData;
  onChanged: () => void;
  live?: boolean;
  headingLevel?: 2 | 3;
  children?: ReactNode;
}) {
  const { data, onChanged } = props;
  const timeline = useMemo(() => buildTimeline(data), [data]);
  const signals = useMemo(
    () => incidentSignals(data.details, data.signals),
    [data],
  );
  return (
    <Grid container spacing={3} direction="column">
      <Grid item>
        <IncidentSummary
          details={data.details}
          onChanged={onChanged}
          headingLevel={props.headingLevel}
        />
      </Grid>
      {props.children}
      <Grid item>
        <InfoCard
          title={<CardTitle>Timeline</CardTitle>}
          subheader="Signals, changes, agent steps, approvals and executions, oldest first"
        >
          <IncidentTimeline entries={timeline} />
          {props.live === false && (
            <Typography variant="caption" color="textSecondary">
              Live updates are off (no signals plugin): this page re-reads the
              incident every few seconds while work is running.
            </Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item>
        <InfoCard title={<CardTitle>Changes cited</CardTitle>}>
          <ChangesPanel details={data.details} />
        </InfoCard>
      </Grid>
      <Grid item>
        <InfoCard
          title={<CardTitle>Evidence</CardTitle>}
          subheader="Kubernetes events, the redacted log snapshot and metric windows of the incident's signals"
        >
          <EvidencePanel signals={signals} />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
