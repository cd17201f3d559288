import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';

/**
 * The number fields of a settings dialog's grid, bound to its form: `field(name,
 * label, hint)` shows the text as typed and sets it back, with the field's error in
 * place of the hint when it has one.
 *
 * @internal
 */
export function formNumberFields<F extends Record<string, unknown>>(options: {
  form: F;
  setForm: (form: F) => void;
  errors: Partial<Record<keyof F, string>>;
  /** Grid columns of twelve from the small breakpoint on. */
  sm: 4 | 6;
}) {
  const { form, setForm, errors, sm } = options;
  return (
    name: { [K in keyof F]: F[K] extends string ? K : never }[keyof F],
    label: string,
    helperText?: string,
  ) => (
    <Grid item xs={12} sm={sm}>
      <TextField
        label={label}
        value={form[name]}
        onChange={event => setForm({ ...form, [name]: event.target.value })}
        error={errors[name] !== undefined}
        helperText={errors[name] ?? helperText}
        inputProps={{ inputMode: 'decimal' }}
        size="small"
        fullWidth
        margin="dense"
      />
    </Grid>
  );
}
