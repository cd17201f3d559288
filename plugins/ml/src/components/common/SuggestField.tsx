import Autocomplete from '@mui/material/Autocomplete';
import TextField, { TextFieldProps } from '@mui/material/TextField';

/**
 * A free-text field of a form that suggests what exists as the user types (a
 * model's name, an alias) and takes anything else too.
 *
 * @internal
 */
export function SuggestField(
  props: Omit<TextFieldProps, 'value' | 'onChange' | 'select'> & {
    value: string;
    suggestions: string[];
    onChange: (value: string) => void;
  },
) {
  const { value, suggestions, onChange, ...field } = props;
  return (
    <Autocomplete
      freeSolo
      options={suggestions}
      inputValue={value}
      onInputChange={(_event, typed) => onChange(typed)}
      renderInput={params => (
        <TextField {...params} margin="normal" variant="outlined" {...field} />
      )}
    />
  );
}
