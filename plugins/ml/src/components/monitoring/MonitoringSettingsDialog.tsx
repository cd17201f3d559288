import { useApi } from '@backstage/frontend-plugin-api';
import {
  EndpointMonitoring,
  MonitoringSettings,
} from '@ml-portal/plugin-ml-common';
import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { formNumberFields } from '../common/FormNumberField';
import { FormDialog } from '../common/FormDialog';
import { LabeledSwitch } from '../common/LabeledSwitch';
import { SelectField } from '../common/SelectField';
import { asServerError } from '../common/serverError';
import { settingsForm, settingsRequest } from './settingsForm';

/** No retraining: the select's first choice. */
const NO_PROFILE = '';

/**
 * An endpoint's monitoring settings for its owners: SLO targets and window,
 * drift sampling, window and thresholds, and the training profile a drift
 * alert retrains on. Fields are checked as they are typed; the server's
 * refusal shows under them.
 *
 * @internal
 */
export function MonitoringSettingsDialog(props: {
  endpoint: string;
  settings: MonitoringSettings;
  onClose: () => void;
  onSaved: (monitoring: EndpointMonitoring) => void;
}) {
  const { endpoint, settings, onClose, onSaved } = props;
  const mlApi = useApi(mlApiRef);
  const [form, setForm] = useState(() => settingsForm(settings));
  const { settings: request, errors } = settingsRequest(form, settings);
  const profiles = useAsync(() => mlApi.listProfiles(), [mlApi]);
  const [saving, save] = useAsyncFn(async () => {
    if (!request) return;
    onSaved(await mlApi.setEndpointMonitoring({ endpoint, settings: request }));
  }, [mlApi, endpoint, request, onSaved]);

  const field = formNumberFields({ form, setForm, errors, sm: 4 });
  // The current profile stays a choice while the list loads or if it fails.
  const profileNames = new Set(profiles.value?.map(p => p.name) ?? []);
  if (form.retrainingProfile) profileNames.add(form.retrainingProfile);

  return (
    <FormDialog
      title={`Monitoring of ${endpoint}`}
      error={asServerError(saving.error)}
      submitLabel="Save"
      submitDisabled={!request || saving.loading}
      onSubmit={save}
      onClose={onClose}
    >
      <Typography variant="subtitle2" component="h3">
        SLOs
      </Typography>
      <Grid container columnSpacing={2}>
        {field('sloP95Ms', 'p95 latency (ms)', 'Empty: none')}
        {field('sloErrorRatePercent', 'Error rate (%)', 'Empty: none')}
        {field('sloWindowMinutes', 'Window (minutes)')}
      </Grid>
      <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>
        Drift
      </Typography>
      <LabeledSwitch
        label="Detect drift"
        checked={form.driftEnabled}
        onChange={driftEnabled => setForm({ ...form, driftEnabled })}
      />
      <Grid container columnSpacing={2}>
        {field('sampleRatePercent', 'Requests sampled (%)')}
        {field('driftWindowMinutes', 'Window (minutes)')}
        {field('minSamples', 'Samples to judge a window')}
        {field('psiWarn', 'PSI warning')}
        {field('psiAlert', 'PSI alert')}
        {field('pValue', 'Test p-value below')}
      </Grid>
      <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>
        Retraining
      </Typography>
      <SelectField<string>
        label="On a drift alert, retrain on"
        value={form.retrainingProfile}
        options={[
          { value: NO_PROFILE, label: 'Nothing: alert only' },
          ...[...profileNames].map(name => ({
            value: name,
            label: `profile ${name}`,
          })),
        ]}
        onChange={retrainingProfile => setForm({ ...form, retrainingProfile })}
        helperText={
          profiles.error
            ? `Could not list training profiles: ${profiles.error.message}`
            : 'Submits the training job of the served version again, once per alert'
        }
        fullWidth
        margin="dense"
      />
    </FormDialog>
  );
}
