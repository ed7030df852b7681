import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { showValue } from '../format';

/** A field-by-field diff of a Kubernetes object. */
export function DiffTable(props: {
  diff: Array<{ path: string; before: unknown; after: unknown }>;
  label: string;
}) {
  if (!props.diff.length) {
    return (
      <Typography variant="body2" color="textSecondary">
        No field changes.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={props.label}>
      <TableHead>
        <TableRow>
          <TableCell>Field</TableCell>
          <TableCell>Before</TableCell>
          <TableCell>After</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.diff.map((row, index) => (
          <TableRow key={index}>
            <TableCell>
              <code>{row.path}</code>
            </TableCell>
            <TableCell>
              <del>
                <code>{showValue(row.before)}</code>
              </del>
            </TableCell>
            <TableCell>
              <ins>
                <code>{showValue(row.after)}</code>
              </ins>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
