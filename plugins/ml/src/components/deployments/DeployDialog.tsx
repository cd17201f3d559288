import { identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import {
  Endpoint,
  EndpointDetails,
  EndpointKind,
} from '@ml-portal/plugin-ml-common';
import FormControlLabel from '@mui/material/FormControlLabel';
import Grid from '@mui/material/Grid';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { FormDialog } from '../common/FormDialog';
import { Loaded } from '../common/Loaded';
import { SelectField } from '../common/SelectField';
import { SuggestField } from '../common/SuggestField';
import { teamName, ownerGroupsOf } from '../common/teams';
import { trafficSummary } from './deploymentFormat';
import { asServerError } from '../common/serverError';
import {
  NewEndpointErrors,
  NewEndpointForm,
  newEndpointRequest,
} from './newEndpointForm';
import {
  canaryUnavailableReason,
  Rollout,
  RolloutFields,
  rolloutRequest,
} from './rollout';

const KINDS: Array<{ value: EndpointKind; label: string }> = [
  { value: 'real-time', label: 'Real-time' },
  { value: 'serverless', label: 'Serverless (scales to zero)' },
  { value: 'batch', label: 'Batch' },
];

type Choices = { targets: string[]; groups: string[] };

/** The new endpoint's fields. */
function NewEndpointFields(props: {
  form: NewEndpointForm;
  errors: NewEndpointErrors;
  choices: Choices;
  version: string;
  aliases: string[];
  set: <K extends keyof NewEndpointForm>(
    key: K,
    value: NewEndpointForm[K],
  ) => void;
}) {
  const { form, errors, choices, version, aliases, set } = props;
  const idPrefix = useId();
  const text = (
    key: keyof NewEndpointForm,
    label: string,
    helperText?: string,
  ) => (
    <TextField
      id={`${idPrefix}-${key}`}
      label={label}
      value={form[key]}
      onChange={event => set(key, event.target.value)}
      error={errors[key] !== undefined}
      helperText={errors[key] ?? helperText}
      fullWidth
      size="small"
    />
  );
  return (
    <Grid container spacing={2} sx={{ mt: 0 }}>
      <Grid item xs={12} sm={6}>
        {text('name', 'Endpoint name', 'e.g. churn-prod')}
      </Grid>
      <Grid item xs={12} sm={6}>
        {choices.groups.length > 0 ? (
          <SelectField
            label="Owner"
            value={form.owner}
            options={choices.groups.map(group => ({
              value: group,
              label: teamName(group),
            }))}
            onChange={group => set('owner', group)}
            fullWidth
          />
        ) : (
          text('owner', 'Owner', 'group:default/your-team')
        )}
      </Grid>
      <Grid item xs={12} sm={6}>
        <SelectField
          label="Kind"
          value={form.kind}
          options={KINDS}
          onChange={kind => set('kind', kind)}
          fullWidth
        />
      </Grid>
      <Grid item xs={12} sm={6}>
        <SelectField
          label="Target"
          value={form.target}
          options={choices.targets}
          onChange={target => set('target', target)}
          error={errors.target !== undefined}
          helperText={errors.target}
          fullWidth
        />
      </Grid>
      <Grid item xs={12}>
        <RadioGroup
          row
          aria-label="serves"
          value={form.serves}
          onChange={event =>
            set('serves', event.target.value as NewEndpointForm['serves'])
          }
        >
          <FormControlLabel
            value="alias"
            control={<Radio />}
            label="Follow an alias"
          />
          <FormControlLabel
            value="version"
            control={<Radio />}
            label={`Pin version ${version}`}
          />
        </RadioGroup>
        {form.serves === 'alias' && (
          <SuggestField
            label="Alias"
            value={form.alias}
            suggestions={aliases}
            onChange={alias => set('alias', alias)}
            error={errors.alias !== undefined}
            helperText={
              errors.alias ??
              'The endpoint deploys whichever version the alias points to, as a canary when it moves'
            }
            size="small"
            margin="none"
          />
        )}
      </Grid>
      {form.kind !== 'batch' && (
        <>
          <Grid item xs={6} sm={4}>
            {text('minReplicas', 'Min replicas')}
          </Grid>
          <Grid item xs={6} sm={4}>
            {text('maxReplicas', 'Max replicas')}
          </Grid>
        </>
      )}
      {form.kind === 'serverless' && (
        <Grid item xs={12} sm={4}>
          {text('scaleToZeroAfterSeconds', 'Scale to zero after (s)')}
        </Grid>
      )}
    </Grid>
  );
}

/**
 * Deploys a model version: on an endpoint of the model already (as a canary or
 * replacing its version), or on a new endpoint that follows an alias or pins
 * the version. The server's refusal shows in the dialog.
 *
 * @internal
 */
export function DeployDialog(props: {
  modelName: string;
  version: string;
  /** The version's aliases, offered to follow. */
  aliases: string[];
  /** The model's endpoints. */
  endpoints: Endpoint[];
  onClose: () => void;
  onDeployed: (endpoint: EndpointDetails) => void;
}) {
  const { modelName, version, aliases, endpoints, onClose, onDeployed } = props;
  const mlApi = useApi(mlApiRef);
  const identityApi = useApi(identityApiRef);
  const [mode, setMode] = useState<'existing' | 'new'>(
    endpoints.length > 0 ? 'existing' : 'new',
  );
  const [endpointName, setEndpointName] = useState(endpoints[0]?.name ?? '');
  const existing = endpoints.find(e => e.name === endpointName);
  const canaryUnavailable = existing && canaryUnavailableReason(existing);
  const [rollout, setRollout] = useState<Rollout>({
    strategy: 'canary',
    percent: String(existing?.canaryPolicy.percent ?? 10),
  });
  const [form, setForm] = useState<NewEndpointForm>({
    name: '',
    owner: '',
    kind: 'real-time',
    target: '',
    serves: aliases.length > 0 ? 'alias' : 'version',
    alias: aliases[0] ?? '',
    minReplicas: '1',
    maxReplicas: '2',
    scaleToZeroAfterSeconds: '300',
  });
  const [attempted, setAttempted] = useState(false);
  const choices = useAsync(async (): Promise<Choices> => {
    const [targets, groups] = await Promise.all([
      mlApi.listServingTargets(),
      ownerGroupsOf(identityApi),
    ]);
    return { targets: targets.map(target => target.id), groups };
  }, [mlApi, identityApi]);
  // Until chosen: the caller's first group (the backend's default) and the first target.
  const filled: NewEndpointForm = {
    ...form,
    owner: form.owner || choices.value?.groups[0] || '',
    target: form.target || choices.value?.targets[0] || '',
  };
  const created = newEndpointRequest(filled, modelName, version);
  // A canary cannot start here: replace is what is left.
  const strategy = rolloutRequest(
    canaryUnavailable ? { ...rollout, strategy: 'replace' } : rollout,
  );

  const [submission, submit] = useAsyncFn(async () => {
    if (mode === 'new') {
      setAttempted(true);
      if (!created.request) return;
      onDeployed(await mlApi.createEndpoint(created.request));
    } else if (existing && strategy) {
      onDeployed(
        await mlApi.deployVersion({
          endpoint: existing.name,
          version,
          ...strategy,
        }),
      );
    }
  }, [mode, created.request, existing, strategy, version, mlApi, onDeployed]);

  const set = <K extends keyof NewEndpointForm>(
    key: K,
    value: NewEndpointForm[K],
  ) => setForm(previous => ({ ...previous, [key]: value }));

  return (
    <FormDialog
      title={`Deploy ${modelName} version ${version}`}
      error={asServerError(submission.error)}
      submitLabel="Deploy"
      submitDisabled={
        submission.loading || (mode === 'existing' && !(existing && strategy))
      }
      onSubmit={submit}
      onClose={onClose}
    >
      <RadioGroup
        row
        aria-label="deploy to"
        value={mode}
        onChange={event => setMode(event.target.value as typeof mode)}
      >
        <FormControlLabel
          value="existing"
          control={<Radio />}
          label="An endpoint of this model"
          disabled={endpoints.length === 0}
        />
        <FormControlLabel
          value="new"
          control={<Radio />}
          label="A new endpoint"
        />
      </RadioGroup>
      {mode === 'existing' ? (
        <>
          <SelectField
            label="Endpoint"
            value={endpointName}
            options={endpoints.map(e => ({
              value: e.name,
              label: `${e.name} (${trafficSummary(e.deployments)})`,
            }))}
            onChange={setEndpointName}
            fullWidth
            margin="normal"
          />
          <RolloutFields
            value={
              canaryUnavailable ? { ...rollout, strategy: 'replace' } : rollout
            }
            onChange={setRollout}
            canaryUnavailable={canaryUnavailable}
          />
        </>
      ) : (
        <Loaded
          state={choices}
          errorTitle="Could not list the serving targets or your groups"
        >
          {loaded => (
            <NewEndpointFields
              form={filled}
              errors={attempted ? created.errors : {}}
              choices={loaded}
              version={version}
              aliases={aliases}
              set={set}
            />
          )}
        </Loaded>
      )}
      {mode === 'new' && attempted && !created.request && (
        <Typography variant="body2" color="error" sx={{ mt: 1 }}>
          Fix the fields marked above.
        </Typography>
      )}
    </FormDialog>
  );
}
