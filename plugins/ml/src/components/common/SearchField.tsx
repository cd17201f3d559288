import SearchIcon from '@mui/icons-material/Search';
import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import { CSSProperties, useId, useState } from 'react';
import useDebounce from 'react-use/esm/useDebounce';

/** The magnifier at the start of a search box. @internal */
export const searchAdornment = (
  <InputAdornment position="start">
    <SearchIcon fontSize="small" />
  </InputAdornment>
);

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
      InputProps={{ startAdornment: searchAdornment }}
      style={style}
    />
  );
}

/**
 * A search box's text as typed, and the search it asks for once typing
 * pauses, trimmed.
 *
 * @internal
 */
export function useDebouncedSearch(delayMs = 300) {
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  useDebounce(() => setSearch(draft.trim()), delayMs, [draft]);
  return { draft, setDraft, search };
}
