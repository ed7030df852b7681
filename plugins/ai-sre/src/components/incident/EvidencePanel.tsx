import { formatObjectRef, Signal } from '@internal/plugin-ai-sre-common';
import Box from '@material-ui/core/Box';
import Paper from '@material-ui/core/Paper';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { absoluteTime, showValue } from '../format';
import { MetricChart } from './MetricChart';
import { logLineAnchor, metricAnchor, signalAnchor } from './timeline';

const useStyles = makeStyles(theme => ({
  log: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    background: theme.palette.background.default,
    padding: theme.spacing(1),
    margin: 0,
    overflowX: 'auto',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
  },
  line: {
    display: 'block',
    '&:target, &:focus': { background: theme.palette.warning.light },
  },
  section: {
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
    '&:target, &:focus': {
      outline: `2px solid ${theme.palette.primary.main}`,
    },
  },
}));

/** The redacted log lines a signal captured. */
export function LogSnapshot(props: { signal: Signal }) {
  const classes = useStyles();
  const { signal } = props;
  if (!signal.evidence.logs.length) {
    return null;
  }
  return (
    <>
      {signal.evidence.logs.map((log, logIndex) => (
        <Box key={`${log.pod}/${log.container}/${log.previous}`} mb={1}>
          <Typography variant="subtitle2" component="p">
            Logs of {log.pod}/{log.container}
            {log.previous ? ' (previous, crashed container)' : ''}
            {log.truncated ? ' — truncated to the capture bounds' : ''}
          </Typography>
          <pre
            className={classes.log}
            aria-label={`Redacted log lines of ${log.pod}/${log.container}`}
          >
            {log.lines.length === 0 && <span>(no lines)</span>}
            {log.lines.map((line, lineIndex) => (
              <span
                key={lineIndex}
                id={logLineAnchor(signal.id, logIndex, lineIndex)}
                className={classes.line}
                tabIndex={-1}
              >
                {line}
              </span>
            ))}
          </pre>
        </Box>
      ))}
    </>
  );
}

/**
 * What one signal observed: its Kubernetes events, redacted log lines,
 * metric windows and the fields read from the object. Each part has an
 * anchor the timeline and the root cause link to.
 */
export function SignalEvidence(props: {
  signal: Signal;
  headingLevel?: 3 | 4;
}) {
  const classes = useStyles();
  const { signal } = props;
  const Heading = props.headingLevel === 4 ? 'h4' : 'h3';
  const fields = Object.entries(signal.evidence.fields);
  return (
    <Paper
      variant="outlined"
      className={classes.section}
      id={signalAnchor(signal.id)}
      component="section"
      tabIndex={-1}
      aria-label={`Evidence of ${signal.detector} on ${formatObjectRef(
        signal.object,
      )}`}
    >
      <Typography variant="subtitle1" component={Heading}>
        {signal.detector}: {signal.reason} on {formatObjectRef(signal.object)}
      </Typography>
      <Typography variant="body2" paragraph>
        {signal.message} — first seen {absoluteTime(signal.firstSeen)}, last
        seen {absoluteTime(signal.lastSeen)}, {signal.count}× ({signal.status})
      </Typography>
      {fields.length > 0 && (
        <Typography variant="body2" paragraph>
          {fields
            .map(([key, value]) => `${key}: ${showValue(value)}`)
            .join(' · ')}
        </Typography>
      )}
      {signal.evidence.events.length > 0 && (
        <Table size="small" aria-label="Kubernetes events">
          <TableHead>
            <TableRow>
              <TableCell>Type</TableCell>
              <TableCell>Reason</TableCell>
              <TableCell>Object</TableCell>
              <TableCell>Message</TableCell>
              <TableCell>Count</TableCell>
              <TableCell>Last seen</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {signal.evidence.events.map((event, index) => (
              <TableRow key={index}>
                <TableCell style={{ whiteSpace: 'nowrap' }}>
                  {event.type}
                </TableCell>
                <TableCell style={{ whiteSpace: 'nowrap' }}>
                  {event.reason}
                </TableCell>
                <TableCell>{formatObjectRef(event.object)}</TableCell>
                <TableCell>{event.message}</TableCell>
                <TableCell style={{ whiteSpace: 'nowrap' }}>
                  {event.count}
                </TableCell>
                <TableCell>
                  {event.lastTimestamp
                    ? absoluteTime(event.lastTimestamp)
                    : '—'}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <LogSnapshot signal={signal} />
      {signal.evidence.metrics.map((metric, index) => (
        <MetricChart
          key={index}
          metric={metric}
          id={metricAnchor(signal.id, index)}
        />
      ))}
    </Paper>
  );
}

/** The evidence of several signals, or a note that there is none. */
export function EvidencePanel(props: {
  signals: Signal[];
  headingLevel?: 3 | 4;
}) {
  if (!props.signals.length) {
    return (
      <Typography variant="body2">
        No signal evidence is available for this incident (its signals may have
        been pruned).
      </Typography>
    );
  }
  return (
    <>
      {props.signals.map(signal => (
        <SignalEvidence
          key={signal.id}
          signal={signal}
          headingLevel={props.headingLevel}
        />
      ))}
    </>
  );
}
