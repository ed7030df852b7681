import { InfoCard } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { IncidentDetails } from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';
import { SeverityChip, StatusChip } from '../SeverityChip';
import { absoluteTime, durationBetween, relativeTime } from '../format';
import { IncidentActions } from './IncidentActions';

const WORKFLOW_LABELS: Record<IncidentDetails['workflow'], string> = {
  running: 'analysing or executing',
  'awaiting-approval': 'waiting for approval',
  done: 'done',
};

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(2, 0, 0),
    '& dt': { fontWeight: theme.typography.fontWeightMedium },
    '& dd': { margin: 0 },
  },
}));

/** The headline facts of an incident, with its actions. */
export function IncidentSummary(props: {
  details: IncidentDetails;
  onChanged: () => void;
  headingLevel?: 2 | 3;
}) {
  const classes = useStyles();
  const { incident, workflow } = props.details;
  const facts: Array<[string, ReactNode]> = [
    [
      'Entity',
      incident.entityRef ? (
        <EntityRefLink entityRef={incident.entityRef} />
      ) : (
        'not mapped to a catalog entity'
      ),
    ],
    [
      'Owner',
      incident.ownerRef ? <EntityRefLink entityRef={incident.ownerRef} /> : '—',
    ],
    [
      'Where',
      `${incident.cluster}${
        incident.namespace ? ` / ${incident.namespace}` : ''
      }`,
    ],
    [
      'Opened',
      `${absoluteTime(incident.openedAt)} (${relativeTime(incident.openedAt)})`,
    ],
    ['Time to detect', durationBetween(incident.startedAt, incident.openedAt)],
    [
      'Time to acknowledge',
      durationBetween(incident.openedAt, incident.acknowledgedAt),
    ],
    [
      'Time to resolve',
      incident.resolvedAt
        ? durationBetween(incident.startedAt, incident.resolvedAt)
        : 'not resolved yet',
    ],
    ['Workflow', WORKFLOW_LABELS[workflow]],
  ];
  return (
    <InfoCard
      title={
        <Typography
          variant="h5"
          component={props.headingLevel === 3 ? 'h3' : 'h2'}
        >
          {incident.title}
        </Typography>
      }
    >
      <Box display="flex" flexWrap="wrap" style={{ gap: 8 }}>
        <SeverityChip severity={incident.severity} />
        <StatusChip status={incident.status} />
        <Chip
          size="small"
          variant="outlined"
          label={incident.category ?? 'root cause under analysis'}
        />
      </Box>
      {incident.summary !== incident.title && (
        <Typography variant="body1" style={{ marginTop: 16 }}>
          {incident.summary}
        </Typography>
      )}
      <dl className={classes.facts}>
        {facts.map(([label, value]) => (
          <div key={label} style={{ display: 'contents' }}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <IncidentActions incident={incident} onChanged={props.onChanged} />
    </InfoCard>
  );
}
