import { InputAdornment, TextField } from '@material-ui/core';
import SearchIcon from '@material-ui/icons/Search';
import { CSSProperties, useId } from 'react';

/** The search box of a list: a full-width outlined field with a search icon. @internal */
export function SearchField(props: {
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  /** Why the server refused the search; replaces the helper text. */
  error?: string;
  helperText?: string;
  style?: CSSProperties;
}) {
  const { placeholder, value, onChange, error, helperText, style } = props;
  const id = useId();
  return (
    <TextField
      id={id}
      label="Search"
      placeholder={placeholder}
      value={value}
      onChange={event => onChange(event.target.value)}
      error={error !== undefined}
      helperText={error ?? helperText}
      variant="outlined"
      size="small"
      fullWidth
      InputProps={{
        startAdornment: (
          <InputAdornment position="start">
            <SearchIcon fontSize="small" />
          </InputAdornment>
        ),
      }}
      style={style}
    />
  );
}
