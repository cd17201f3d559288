import MenuItem from '@mui/material/MenuItem';
import TextField, { TextFieldProps } from '@mui/material/TextField';
import { ReactNode } from 'react';

/** One choice of a {@link SelectField}. @internal */
export type SelectOption<V extends string | number> = {
  value: V;
  label: ReactNode;
};

/**
 * A small outlined drop-down of fixed choices (a depth, a page size, a key),
 * handing back the chosen option's value as it was given, number or string.
 *
 * @internal
 */
export function SelectField<V extends string | number>(
  props: Omit<TextFieldProps, 'select' | 'value' | 'onChange' | 'children'> & {
    value: V;
    /** Plain values are their own labels. */
    options: Array<V | SelectOption<V>>;
    onChange: (value: V) => void;
  },
) {
  const { value, options, onChange, ...field } = props;
  const choices = options.map(option =>
    typeof option === 'object' ? option : { value: option, label: option },
  );
  return (
    <TextField
      select
      size="small"
      variant="outlined"
      {...field}
      value={value}
      onChange={event => {
        const chosen = choices.find(
          choice => String(choice.value) === String(event.target.value),
        );
        if (chosen) onChange(chosen.value);
      }}
    >
      {choices.map(choice => (
        <MenuItem key={choice.value} value={choice.value}>
          {choice.label}
        </MenuItem>
      ))}
    </TextField>
  );
}
