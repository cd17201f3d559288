import { useApi } from '@backstage/frontend-plugin-api';
import { SpotPolicy, TrainingProfile } from '@ml-portal/plugin-ml-common';
import Autocomplete from '@mui/material/Autocomplete';
import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { formNumberFields } from '../common/FormNumberField';
import { FormDialog, textAreaProps } from '../common/FormDialog';
import { SelectField } from '../common/SelectField';
import { asServerError } from '../common/serverError';
import { profileForm, profileRequest } from './profileForm';

const SPOT_POLICIES: Array<{ value: SpotPolicy; label: string }> = [
  { value: 'allowed', label: 'Allowed (jobs choose)' },
  { value: 'required', label: 'Required (spot pools only)' },
  { value: 'never', label: 'Never (on-demand only)' },
];

/**
 * Publishes a profile's next version, for its owner group (the platform team): the
 * fields start from `base`, the whole definition is sent with `baseVersion`, and the
 * server's refusal (another version came first, a cost ceiling the pools break)
 * shows under them.
 *
 * @internal
 */
export function PublishProfileDialog(props: {
  base: TrainingProfile;
  onClose: () => void;
  onPublished: (profile: TrainingProfile) => void;
}) {
  const { base, onClose, onPublished } = props;
  const mlApi = useApi(mlApiRef);
  const [form, setForm] = useState(() => profileForm(base));
  const { input, errors } = profileRequest(form, base);
  const pools = useAsync(() => mlApi.listPools(), [mlApi]);
  const [publishing, publish] = useAsyncFn(async () => {
    if (!input) return;
    onPublished(await mlApi.publishProfileVersion(base.name, input));
  }, [mlApi, base.name, input, onPublished]);

  // The current pools stay choices while the list loads or if it fails.
  const poolNames = [
    ...new Set([...(pools.value?.map(p => p.name) ?? []), ...form.pools]),
  ];
  const field = formNumberFields({ form, setForm, errors, sm: 6 });

  return (
    <FormDialog
      title={`Publish ${base.name} v${base.version + 1}`}
      error={asServerError(publishing.error)}
      submitLabel="Publish"
      submitDisabled={!input || publishing.loading}
      onSubmit={publish}
      onClose={onClose}
    >
      <TextField
        label="Description"
        value={form.description}
        onChange={event =>
          setForm({ ...form, description: event.target.value })
        }
        error={errors.description !== undefined}
        helperText={errors.description}
        {...textAreaProps}
      />
      <Autocomplete
        multiple
        options={poolNames}
        value={form.pools}
        onChange={(_event, chosen) => setForm({ ...form, pools: chosen })}
        renderInput={params => (
          <TextField
            {...params}
            label="Pools"
            margin="dense"
            size="small"
            error={errors.pools !== undefined}
            helperText={errors.pools ?? 'Where its jobs may run'}
          />
        )}
      />
      <SelectField
        label="Spot"
        value={form.spotPolicy}
        options={SPOT_POLICIES}
        onChange={spotPolicy => setForm({ ...form, spotPolicy })}
        fullWidth
        margin="dense"
      />
      <Grid container columnSpacing={2}>
        {field('gpus', 'Default GPUs')}
        {field('maxGpus', 'Max GPUs', 'Empty: no limit')}
        {field('maxRuntimeSeconds', 'Max runtime (seconds)')}
        {field('checkpointIntervalSeconds', 'Checkpoint every (seconds)')}
        {field('maxCostPerJobUsd', 'Max cost per job (USD)')}
      </Grid>
      <TextField
        label="Default image"
        value={form.image}
        onChange={event => setForm({ ...form, image: event.target.value })}
        error={errors.image !== undefined}
        helperText={errors.image ?? 'For jobs that name none'}
        size="small"
        fullWidth
        margin="dense"
      />
    </FormDialog>
  );
}
