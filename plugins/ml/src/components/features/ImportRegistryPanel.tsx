import { ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { FeatureImportResult } from '@ml-portal/plugin-ml-common';
import { FormEvent, useId, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';

/** A registry that is not a JSON object never reaches the server. */
class RegistryParseError extends Error {}

/** The `feast registry-dump` document in `text`, or why it is not one. @internal */
export function parseRegistry(text: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RegistryParseError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryParseError(
      'not a registry: `feast registry-dump` prints a JSON object',
    );
  }
  return parsed;
}

/**
 * What the person importing can fix: the registry does not parse, or the server
 * refused it (4xx: invalid, too large, not allowed) and said why.
 */
function fixableMessage(error: Error): string | undefined {
  if (error instanceof RegistryParseError) return error.message;
  if (
    error instanceof ResponseError &&
    error.statusCode >= 400 &&
    error.statusCode < 500
  ) {
    return error.body?.error?.message ?? error.message;
  }
  return undefined;
}

function ImportError(props: { error: Error }) {
  const message = fixableMessage(props.error);
  if (message !== undefined) {
    return (
      <Alert severity="error">The registry was not imported: {message}</Alert>
    );
  }
  return (
    <ResponseErrorPanel
      error={props.error}
      title="Could not import the registry"
    />
  );
}

function ChangedNames(props: { title: string; names: string[] }) {
  if (props.names.length === 0) return null;
  return (
    <Box sx={{ mt: 1 }}>
      <strong>{props.title}:</strong> {props.names.join(', ')}
    </Box>
  );
}

/** What an import did: the views it added, changed and removed. @internal */
export function ImportDiff(props: { result: FeatureImportResult }) {
  const { result } = props;
  const { added, changed, removed, unchanged } = result;
  const nothing = added.length + changed.length + removed.length === 0;
  const projects = result.projects.join(', ');
  return (
    <Alert severity={nothing ? 'info' : 'success'} aria-label="import result">
      Imported {result.source}
      {projects ? ` (${projects})` : ''}: {added.length} added, {changed.length}{' '}
      changed, {removed.length} removed, {unchanged} unchanged.
      <ChangedNames title="Added" names={added} />
      <ChangedNames title="Changed" names={changed} />
      <ChangedNames title="Removed" names={removed} />
    </Alert>
  );
}

/**
 * Imports a Feast registry: a `feast registry-dump` file, or its JSON pasted.
 * Importing the same registry again changes nothing.
 *
 * @internal
 */
export function ImportRegistryPanel(props: { onImported: () => void }) {
  const { onImported } = props;
  const mlApi = useApi(mlApiRef);
  const fileId = useId();
  const pasteId = useId();
  const [file, setFile] = useState<File>();
  const [pasted, setPasted] = useState('');
  const [state, importRegistry] = useAsyncFn(
    async (text: string) => {
      const result = await mlApi.importFeatureRegistry(parseRegistry(text));
      setFile(undefined);
      setPasted('');
      onImported();
      return result;
    },
    [mlApi, onImported],
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = file ? await file.text() : pasted;
    if (text.trim()) importRegistry(text);
  };

  return (
    <form aria-label="import feast registry" onSubmit={submit}>
      <Typography variant="body2" color="text.secondary" paragraph>
        Upload the output of <code>feast registry-dump</code>, or paste it.
      </Typography>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 2, gap: 2 }}>
        <Button variant="outlined" component="label" htmlFor={fileId}>
          Choose file
          <input
            id={fileId}
            type="file"
            accept=".json,application/json"
            aria-label="Registry file"
            hidden
            onChange={event => {
              setFile(event.target.files?.[0]);
              setPasted('');
            }}
          />
        </Button>
        <Typography variant="body2" color="text.secondary">
          {file ? file.name : 'No file chosen'}
        </Typography>
      </Box>
      <TextField
        id={pasteId}
        label="Registry JSON"
        placeholder='{"entities": [...], "featureViews": [...]}'
        multiline
        minRows={4}
        maxRows={12}
        fullWidth
        variant="outlined"
        size="small"
        value={pasted}
        onChange={event => {
          setPasted(event.target.value);
          setFile(undefined);
        }}
        InputProps={{ style: { fontFamily: 'monospace', fontSize: 12 } }}
      />
      <Box sx={{ mt: 2 }}>
        <Button
          type="submit"
          variant="contained"
          color="primary"
          disabled={(!file && !pasted.trim()) || state.loading}
        >
          {state.loading ? 'Importing…' : 'Import'}
        </Button>
      </Box>
      <Box sx={{ mt: 2 }}>
        {state.error && <ImportError error={state.error} />}
        {state.value && !state.error && <ImportDiff result={state.value} />}
      </Box>
    </form>
  );
}
