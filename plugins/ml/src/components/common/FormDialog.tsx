import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import { ReactNode } from 'react';

/**
 * A dialog that sends a form: its fields, the server's refusal under them, then
 * Cancel and the primary action.
 *
 * @internal
 */
export function FormDialog(props: {
  title: ReactNode;
  children: ReactNode;
  /** What the last attempt failed with. */
  error?: Error;
  submitLabel: string;
  submitDisabled: boolean;
  onSubmit: () => void;
  onClose: () => void;
}) {
  const { title, children, error, submitLabel, submitDisabled } = props;
  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="sm">
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        {children}
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            {error.message}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={submitDisabled}
          onClick={props.onSubmit}
        >
          {submitLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** The props of a dialog's free-text field (a description, a reason, a comment). @internal */
export const textAreaProps = {
  multiline: true,
  minRows: 2,
  fullWidth: true,
  margin: 'normal',
  variant: 'outlined',
} as const;
