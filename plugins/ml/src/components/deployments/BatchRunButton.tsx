import { useApi } from '@backstage/frontend-plugin-api';
import { EndpointDetails } from '@ml-portal/plugin-ml-common';
import TextField from '@mui/material/TextField';
import { useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { FormDialog } from '../common/FormDialog';
import { useMlPaths } from '../common/mlPaths';
import { NO_UPDATE_REASON } from './ConfirmButton';
import { GuardedButton } from '../common/GuardedButton';
import { asServerError } from '../common/serverError';

/**
 * Scores a dataset with a batch endpoint's stable version: the run is a training
 * job (same pools, admission and cost), whose page opens once it is queued.
 *
 * @internal
 */
export function BatchRunButton(props: { endpoint: EndpointDetails }) {
  const { endpoint } = props;
  const mlApi = useApi(mlApiRef);
  const navigate = useNavigate();
  const paths = useMlPaths();
  const idPrefix = useId();
  const [open, setOpen] = useState(false);
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [run, start] = useAsyncFn(async () => {
    const { jobId } = await mlApi.startBatchRun({
      endpoint: endpoint.name,
      input: input.trim(),
      output: output.trim(),
    });
    // Inside the ML page, whose route refs always resolve.
    navigate(paths!.job(jobId));
  }, [mlApi, endpoint.name, input, output, navigate, paths]);
  return (
    <>
      <GuardedButton
        label="Score a dataset"
        variant="contained"
        onClick={() => setOpen(true)}
        disabledReason={endpoint.canUpdate ? undefined : NO_UPDATE_REASON}
      />
      {open && (
        <FormDialog
          title={`Score a dataset with ${endpoint.name}`}
          error={asServerError(run.error)}
          submitLabel="Start"
          submitDisabled={!input.trim() || !output.trim() || run.loading}
          onSubmit={start}
          onClose={() => setOpen(false)}
        >
          <TextField
            id={`${idPrefix}-input`}
            label="Input dataset"
            placeholder="customers-2026-12"
            helperText="A registered dataset: its name (the newest) or id"
            value={input}
            onChange={event => setInput(event.target.value)}
            fullWidth
            margin="normal"
          />
          <TextField
            id={`${idPrefix}-output`}
            label="Output location"
            placeholder="s3://bucket/scores/2026-12.parquet"
            value={output}
            onChange={event => setOutput(event.target.value)}
            helperText="Registered as a dataset the scoring job produced; both enter lineage"
            fullWidth
            margin="normal"
          />
        </FormDialog>
      )}
    </>
  );
}
