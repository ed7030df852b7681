import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import { useId, useState } from 'react';

/** Asks for a comment (or a required reason) before an action. */
export function CommentDialog(props: {
  open: boolean;
  title: string;
  description: string;
  label: string;
  confirm: string;
  required?: boolean;
  onCancel: () => void;
  onConfirm: (text: string) => void;
}) {
  const [text, setText] = useState('');
  const titleId = useId();
  const fieldId = useId();
  const missing = props.required && !text.trim();
  return (
    <Dialog
      open={props.open}
      onClose={props.onCancel}
      aria-labelledby={titleId}
      fullWidth
    >
      <DialogTitle id={titleId}>{props.title}</DialogTitle>
      <DialogContent>
        <DialogContentText>{props.description}</DialogContentText>
        <TextField
          id={fieldId}
          fullWidth
          multiline
          minRows={2}
          label={props.label}
          required={props.required}
          value={text}
          onChange={event => setText(event.target.value)}
          inputProps={{ maxLength: 2000 }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={missing}
          onClick={() => {
            props.onConfirm(text.trim());
            setText('');
          }}
        >
          {props.confirm}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
