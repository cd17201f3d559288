import { ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { CostImportResult } from '@ml-portal/plugin-ml-common';
import { FormEvent, useId, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import {
  COST_IMPORT_FORMATS,
  CostImportFormat,
  mlApiRef,
} from '../../api/MlApi';
import { formatMonth } from './months';

const formatLabel: Record<CostImportFormat, string> = {
  opencost: 'OpenCost allocation export',
  'aws-cur': 'AWS Cost and Usage Report (CSV)',
};

function ImportResult(props: { result: CostImportResult }) {
  const { result } = props;
  const months = result.months.map(month => formatMonth(month)).join(', ');
  return (
    <Alert severity="success">
      Imported {result.rows} {result.rows === 1 ? 'row' : 'rows'} from{' '}
      {result.source}
      {months ? ` for ${months}` : ''}: {result.added} added, {result.changed}{' '}
      changed, {result.unchanged} unchanged.
    </Alert>
  );
}

function ImportError(props: { error: Error }) {
  const { error } = props;
  if (error instanceof ResponseError && error.statusCode === 400) {
    return (
      <Alert severity="error">
        The file was not imported: {error.body?.error?.message ?? error.message}
      </Alert>
    );
  }
  return <ResponseErrorPanel error={error} title="Could not import the bill" />;
}

/**
 * Uploads a bill or allocation export; the backend maps its lines to teams and
 * the reconciliation compares them with its own estimate. Importing the same
 * file again changes nothing.
 *
 * @internal
 */
export function ImportBillForm(props: { onImported: () => void }) {
  const { onImported } = props;
  const mlApi = useApi(mlApiRef);
  const formatId = useId();
  const fileId = useId();
  const [format, setFormat] = useState<CostImportFormat>('opencost');
  const [file, setFile] = useState<File>();
  const [state, importBill] = useAsyncFn(
    async (chosen: File, chosenFormat: CostImportFormat) => {
      const result = await mlApi.importBill({
        format: chosenFormat,
        content: await chosen.text(),
      });
      onImported();
      return result;
    },
    [mlApi, onImported],
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (file) importBill(file, format);
  };

  return (
    <form aria-label="import bill" onSubmit={submit}>
      <Box
        sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 2 }}
      >
        <TextField
          id={formatId}
          select
          size="small"
          label="Format"
          value={format}
          onChange={event => setFormat(event.target.value as CostImportFormat)}
          SelectProps={{ native: true }}
          sx={{ minWidth: 280 }}
        >
          {COST_IMPORT_FORMATS.map(value => (
            <option key={value} value={value}>
              {formatLabel[value]}
            </option>
          ))}
        </TextField>
        <Button variant="outlined" component="label" htmlFor={fileId}>
          Choose file
          <input
            id={fileId}
            type="file"
            accept=".csv,.json,text/csv,application/json"
            aria-label="Bill file"
            hidden
            onChange={event => setFile(event.target.files?.[0])}
          />
        </Button>
        <Typography variant="body2" color="text.secondary">
          {file ? file.name : 'No file chosen'}
        </Typography>
        <Button
          type="submit"
          variant="contained"
          color="primary"
          disabled={!file || state.loading}
        >
          {state.loading ? 'Importing…' : 'Import'}
        </Button>
      </Box>
      <Box sx={{ mt: 2 }}>
        {state.error && <ImportError error={state.error} />}
        {state.value && !state.error && <ImportResult result={state.value} />}
      </Box>
    </form>
  );
}
