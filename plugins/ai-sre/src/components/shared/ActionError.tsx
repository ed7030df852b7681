import { ResponseError } from '@backstage/errors';
import Alert from '@material-ui/lab/Alert';

/** The message of an error a control got back, in plain words. */
export function errorMessage(error: Error): string {
  if (error instanceof ResponseError || error.name === 'ResponseError') {
    const response = (error as ResponseError).body;
    const status = response?.response?.statusCode;
    const message = response?.error?.message ?? error.message;
    if (status === 409) {
      return `Someone else got there first: ${message}`;
    }
    if (status === 403) {
      return `Not allowed: ${message}`;
    }
    return message;
  }
  return error.message;
}

/** An inline error of an action, announced to screen readers. */
export function ActionError(props: { error?: Error }) {
  if (!props.error) return null;
  return (
    <Alert severity="error" role="alert" style={{ marginBottom: 8 }}>
      {errorMessage(props.error)}
    </Alert>
  );
}
