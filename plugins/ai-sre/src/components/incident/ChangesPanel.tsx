import {
  formatObjectRef,
  IncidentDetails,
} from '@internal/plugin-ai-sre-common';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { DiffTable } from '../shared/DiffTable';
import { absoluteTime } from '../format';
import { changeAnchor, changeFacts } from './timeline';

/**
 * The changes (rollouts, config edits, ...) the root cause cites, with their
 * diffs when the API serves them; otherwise the facts that name them.
 */
export function ChangesPanel(props: { details: IncidentDetails }) {
  const { details } = props;
  if (details.changes?.length) {
    return (
      <>
        {details.changes.map(change => (
          <Paper
            key={change.id}
            id={changeAnchor(change.id)}
            tabIndex={-1}
            variant="outlined"
            component="section"
            aria-label={`Change ${change.summary}`}
            style={{ padding: 16, marginBottom: 16 }}
          >
            <Typography variant="subtitle1" component="h4">
              {change.kind} of {formatObjectRef(change.object)}
              {change.revision ? ` (revision ${change.revision})` : ''}
            </Typography>
            <Typography variant="body2" paragraph>
              {change.summary} — {absoluteTime(change.at)}
            </Typography>
            <DiffTable diff={change.diff} label={`Diff of ${change.summary}`} />
          </Paper>
        ))}
      </>
    );
  }
  const facts = changeFacts(details);
  if (!facts.length) {
    return (
      <Typography variant="body2">
        The analysis cites no change (rollout, config edit) before this
        incident.
      </Typography>
    );
  }
  return (
    <>
      <ul>
        {facts.map(fact => (
          <li key={fact}>
            <Typography variant="body2">{fact}</Typography>
          </li>
        ))}
      </ul>
      <Typography variant="caption" color="textSecondary">
        The API names cited changes but does not serve their time or diff yet.
      </Typography>
    </>
  );
}
