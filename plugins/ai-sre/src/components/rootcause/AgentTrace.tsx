import { AgentTraceEntry } from '@internal/plugin-ai-sre-common';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { absoluteTime, formatDuration } from '../format';

function prettyOutput(output: string): string {
  try {
    return JSON.stringify(JSON.parse(output), null, 2);
  } catch {
    return output;
  }
}

/** Each workflow node the agent ran: its input summary, output and duration. */
export function AgentTrace(props: { trace: AgentTraceEntry[] }) {
  if (!props.trace.length) {
    return (
      <Typography variant="body2">
        The agent has not recorded any step for this incident yet.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Agent trace">
      <TableHead>
        <TableRow>
          <TableCell>Node</TableCell>
          <TableCell>Input</TableCell>
          <TableCell>Output</TableCell>
          <TableCell>Duration</TableCell>
          <TableCell>At</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.trace.map((entry, index) => (
          <TableRow key={index}>
            <TableCell>
              <code>{entry.node}</code>
            </TableCell>
            <TableCell>{entry.input || '—'}</TableCell>
            <TableCell style={{ maxWidth: 560 }}>
              <details>
                <summary>
                  {entry.output.length > 80
                    ? `${entry.output.slice(0, 80)}…`
                    : entry.output}
                </summary>
                <pre
                  style={{
                    whiteSpace: 'pre-wrap',
                    wordBreak: 'break-all',
                    fontSize: '0.75rem',
                  }}
                >
                  {prettyOutput(entry.output)}
                </pre>
              </details>
              {entry.modelUsage?.map(usage => (
                <Typography
                  key={`${usage.provider}/${usage.model}`}
                  variant="caption"
                  display="block"
                >
                  {usage.provider}/{usage.model}: {usage.inputTokens} in,{' '}
                  {usage.outputTokens} out tokens
                </Typography>
              ))}
            </TableCell>
            <TableCell>{formatDuration(entry.durationMs)}</TableCell>
            <TableCell>{absoluteTime(entry.at)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
