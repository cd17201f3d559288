import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';

/**
 * A number typed into a form's grid: the text as typed, its error in place of the
 * hint when it has one. The dialogs that edit settings share it.
 *
 * @internal
 */
export function FormNumberField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  helperText?: string;
  /** Grid columns of twelve from the small breakpoint on. */
  sm: 4 | 6;
}) {
  const { label, value, onChange, error, helperText, sm } = props;
  return (
    <Grid item xs={12} sm={sm}>
      <TextField
        label={label}
        value={value}
        onChange={event => onChange(event.target.value)}
        error={error !== undefined}
        helperText={error ?? helperText}
        inputProps={{ inputMode: 'decimal' }}
        size="small"
        fullWidth
        margin="dense"
      />
    </Grid>
  );
}
