import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { AnchorLink } from '../shared/AnchorLink';
import { absoluteTime } from '../format';
import { TimelineEntry, TimelineKind } from './timeline';

const KIND_LABELS: Record<TimelineKind, string> = {
  incident: 'incident',
  signal: 'signal',
  event: 'k8s event',
  change: 'change',
  agent: 'agent',
  approval: 'approval',
  execution: 'execution',
};

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', padding: 0, margin: 0 },
  item: {
    display: 'grid',
    gridTemplateColumns: '13rem 7rem 1fr',
    gap: theme.spacing(1),
    padding: theme.spacing(0.75, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
    alignItems: 'start',
  },
  time: { fontVariantNumeric: 'tabular-nums' },
}));

/** What happened in an incident, oldest first. */
export function IncidentTimeline(props: { entries: TimelineEntry[] }) {
  const classes = useStyles();
  return (
    <ol className={classes.list} aria-label="Incident timeline">
      {props.entries.map((entry, index) => (
        <li key={index} className={classes.item}>
          <Typography variant="body2" className={classes.time}>
            {entry.at ? (
              <time dateTime={entry.at}>{absoluteTime(entry.at)}</time>
            ) : (
              'time not known'
            )}
          </Typography>
          <span>
            <Chip
              size="small"
              variant="outlined"
              label={KIND_LABELS[entry.kind]}
            />
          </span>
          <div>
            <Typography variant="body2">
              {entry.href ? (
                <AnchorLink targetId={entry.href}>{entry.title}</AnchorLink>
              ) : (
                entry.title
              )}
            </Typography>
            {entry.detail && (
              <Typography variant="caption" color="textSecondary">
                {entry.detail}
              </Typography>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
