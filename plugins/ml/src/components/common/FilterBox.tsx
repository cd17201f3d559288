import { ResponseError } from '@backstage/errors';
import TextField from '@mui/material/TextField';
import { useEffect, useId, useState } from 'react';
import { searchAdornment } from './SearchField';

/**
 * The server's message when a search failed because its filter did not parse
 * (400), to be shown under the filter box; undefined for any other failure.
 *
 * @internal
 */
export function badFilterMessage(error: Error | undefined): string | undefined {
  if (error instanceof ResponseError && error.statusCode === 400) {
    return error.body?.error?.message ?? error.message;
  }
  return undefined;
}

/**
 * A text box for an MLflow search filter, submitted on Enter, that shows the
 * server's complaint about the filter right under it.
 *
 * @internal
 */
export function FilterBox(props: {
  label: string;
  placeholder: string;
  value: string;
  onSubmit: (filter: string) => void;
  error?: string;
}) {
  const { label, placeholder, value, onSubmit, error } = props;
  const id = useId();
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);

  return (
    <TextField
      id={id}
      label={label}
      placeholder={placeholder}
      value={draft}
      onChange={event => setDraft(event.target.value)}
      onKeyDown={event => {
        if (event.key === 'Enter') onSubmit(draft.trim());
      }}
      error={error !== undefined}
      helperText={error ?? 'MLflow search syntax; press Enter to apply'}
      variant="outlined"
      size="small"
      fullWidth
      InputProps={{
        style: { fontFamily: 'monospace' },
        startAdornment: searchAdornment,
      }}
    />
  );
}
