import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import Alert from '@mui/material/Alert';
import Autocomplete from '@mui/material/Autocomplete';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Grid from '@mui/material/Grid';
import InputLabel from '@mui/material/InputLabel';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Select from '@mui/material/Select';
import Switch from '@mui/material/Switch';
import TextField, { TextFieldProps } from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import {
  GpuPoolSummary,
  JobSpec,
  TrainingProfile,
} from '@ml-portal/plugin-ml-common';
import { useId, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { formatDuration } from '../common/format';
import { useMlPaths } from '../common/mlPaths';
import { PageTrail } from '../common/PageTrail';
import { teamName, ownerGroupsOf } from '../common/teams';
import { splitCommandLine } from './commandLine';
import {
  buildJobSpec,
  emptyJobForm,
  JobForm,
  JobFormErrors,
  profileMaxGpus,
  withProfile,
} from './jobSpecForm';
import { ProfileSummary } from './ProfileSummary';

/**
 * What to say next to the form when the server refused the job: its own message
 * for a bad spec (it names the field), a plain word when the queue is down.
 */
function SubmitError(props: { error: Error }) {
  const { error } = props;
  if (error instanceof ResponseError && error.statusCode === 400) {
    return (
      <Alert severity="error">
        {error.body?.error?.message ?? error.message}
      </Alert>
    );
  }
  if (error instanceof ResponseError && error.statusCode === 503) {
    return (
      <Alert severity="warning">
        The job queue is unavailable, so the job was not submitted. Try again in
        a moment.
      </Alert>
    );
  }
  return <ResponseErrorPanel error={error} title="Could not submit the job" />;
}

function ChoiceSelect(props: {
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
  error?: string;
  helperText?: string;
}) {
  const id = useId();
  const helperText = props.error ?? props.helperText;
  return (
    <FormControl fullWidth error={!!props.error}>
      <InputLabel id={id}>{props.label}</InputLabel>
      <Select
        labelId={id}
        label={props.label}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      >
        {props.options.map(option => (
          <MenuItem key={option.value} value={option.value}>
            {option.label}
          </MenuItem>
        ))}
      </Select>
      {helperText && <FormHelperText>{helperText}</FormHelperText>}
    </FormControl>
  );
}

/** The form fields typed as text. */
type TextKey = {
  [K in keyof JobForm]: JobForm[K] extends string ? K : never;
}[keyof Omit<JobForm, 'placement'>];

function SubmitForm(props: {
  profiles: TrainingProfile[];
  pools: GpuPoolSummary[];
  ownerGroups: string[];
}) {
  const { profiles, pools, ownerGroups } = props;
  const mlApi = useApi(mlApiRef);
  const navigate = useNavigate();
  const paths = useMlPaths();
  const [form, setForm] = useState<JobForm>(() => ({
    ...emptyJobForm,
    // The backend's default owner is the user's first group.
    owner: ownerGroups[0] ?? '',
    placement: profiles.length > 0 ? 'profile' : 'pool',
  }));
  const [attempted, setAttempted] = useState(false);
  const idPrefix = useId();
  const { errors, spec } = useMemo(
    () => buildJobSpec(form, { profiles, pools }),
    [form, profiles, pools],
  );
  const [submission, submit] = useAsyncFn(
    async (jobSpec: JobSpec) => {
      const job = await mlApi.submitJob(jobSpec);
      // Inside the ML page, whose route refs always resolve.
      navigate(paths!.job(job.jobId));
    },
    [mlApi, navigate, paths],
  );

  const set = <K extends keyof JobForm>(key: K, value: JobForm[K]) =>
    setForm(previous => ({ ...previous, [key]: value }));
  /** Errors show once the user has typed in the field or tried to submit. */
  const shownError = (key: keyof JobFormErrors) => {
    const touched = attempted || form[key] !== emptyJobForm[key];
    return touched ? errors[key] : undefined;
  };
  const field = (key: TextKey, label: string, extra: TextFieldProps = {}) => (
    <TextField
      id={`${idPrefix}-${key}`}
      label={label}
      fullWidth
      value={form[key]}
      onChange={event => set(key, event.target.value)}
      error={!!shownError(key)}
      {...extra}
      helperText={shownError(key) ?? extra.helperText}
    />
  );
  const secondsHint = (value: string) =>
    /^\d+$/.test(value.trim())
      ? formatDuration(Number(value) * 1000)
      : undefined;

  const byProfile = form.placement === 'profile';
  const profile = byProfile
    ? profiles.find(p => p.name === form.profile)
    : undefined;
  const pool = byProfile ? undefined : pools.find(p => p.name === form.pool);
  const maxGpus = profile ? profileMaxGpus(profile) : pool?.capacityGpus;
  const command = splitCommandLine(form.command);
  const complianceOptions = [
    ...new Set(pools.flatMap(p => p.compliance)),
  ].sort();

  return (
    <form
      noValidate
      aria-label="submit job"
      onSubmit={event => {
        event.preventDefault();
        setAttempted(true);
        if (spec) submit(spec);
      }}
    >
      <Grid container spacing={3}>
        <Grid item xs={12} md={6}>
          <InfoCard title="Job">
            <Grid container spacing={2}>
              <Grid item xs={12}>
                {field('name', 'Name', { required: true })}
              </Grid>
              {ownerGroups.length > 0 && (
                <Grid item xs={12}>
                  <ChoiceSelect
                    label="Owner"
                    value={form.owner}
                    options={ownerGroups.map(group => ({
                      value: group,
                      label: teamName(group),
                    }))}
                    onChange={group => set('owner', group)}
                    helperText="The team the job runs for: its GPU quota, budget and the job's run"
                  />
                </Grid>
              )}
              <Grid item xs={12}>
                <RadioGroup
                  row
                  aria-label="placement"
                  value={form.placement}
                  onChange={event =>
                    set('placement', event.target.value as JobForm['placement'])
                  }
                >
                  <FormControlLabel
                    value="profile"
                    control={<Radio />}
                    label="Training profile"
                  />
                  <FormControlLabel
                    value="pool"
                    control={<Radio />}
                    label="Explicit pool"
                  />
                </RadioGroup>
                {byProfile ? (
                  <>
                    <ChoiceSelect
                      label="Profile"
                      value={form.profile}
                      options={profiles.map(p => ({
                        value: p.name,
                        label: p.name,
                      }))}
                      onChange={name =>
                        setForm(previous =>
                          withProfile(
                            previous,
                            profiles.find(p => p.name === name),
                          ),
                        )
                      }
                      error={
                        profiles.length === 0
                          ? 'No training profiles are configured'
                          : shownError('profile')
                      }
                    />
                    {profile && <ProfileSummary profile={profile} />}
                  </>
                ) : (
                  <ChoiceSelect
                    label="Pool"
                    value={form.pool}
                    options={pools.map(p => ({
                      value: p.name,
                      label: `${p.name} (${p.gpuType}, ${p.region}${
                        p.spot ? ', spot' : ''
                      })`,
                    }))}
                    onChange={name => set('pool', name)}
                    error={shownError('pool')}
                  />
                )}
              </Grid>
              <Grid item xs={6}>
                {field('gpus', 'GPUs', {
                  type: 'number',
                  required: true,
                  inputProps: { min: 1, max: maxGpus },
                  helperText:
                    maxGpus !== undefined ? `At most ${maxGpus}` : undefined,
                })}
              </Grid>
              <Grid item xs={6}>
                {field('priority', 'Priority', {
                  type: 'number',
                  helperText: 'Higher runs first; empty for the default',
                })}
              </Grid>
              <Grid item xs={12}>
                <FormControlLabel
                  control={
                    <Switch
                      checked={form.spotAllowed}
                      // The profile decides where its spot policy is not 'allowed'.
                      disabled={!!profile && profile.spotPolicy !== 'allowed'}
                      onChange={event =>
                        set('spotAllowed', event.target.checked)
                      }
                    />
                  }
                  label="Spot allowed (cheaper; may be preempted and resumed from a checkpoint)"
                />
              </Grid>
              <Grid item xs={12}>
                {field('experiment', 'Experiment', {
                  helperText:
                    'The MLflow experiment (name or id) the run is created in',
                })}
              </Grid>
            </Grid>
          </InfoCard>
        </Grid>

        <Grid item xs={12} md={6}>
          <InfoCard title="Command">
            <Grid container spacing={2}>
              <Grid item xs={12}>
                {field('image', 'Container image', {
                  helperText: 'Empty for the target’s default image',
                })}
              </Grid>
              <Grid item xs={12}>
                {field('command', 'Command', {
                  required: true,
                  multiline: true,
                  placeholder: "python train.py --lr 0.01 --note 'first try'",
                  InputProps: { style: { fontFamily: 'monospace' } },
                  helperText:
                    'Split into arguments like a shell would; nothing is expanded',
                })}
                {command.argv.length > 0 && !command.error && (
                  <Box sx={{ mt: 1 }}>
                    <Typography variant="caption" color="text.secondary">
                      argv
                    </Typography>
                    <Box
                      component="code"
                      aria-label="parsed argv"
                      sx={{ display: 'block', wordBreak: 'break-all' }}
                    >
                      {JSON.stringify(command.argv)}
                    </Box>
                  </Box>
                )}
              </Grid>
              <Grid item xs={12}>
                {field('env', 'Environment', {
                  multiline: true,
                  minRows: 2,
                  placeholder: 'EPOCHS=3\nWANDB_MODE=offline',
                  InputProps: { style: { fontFamily: 'monospace' } },
                  helperText: 'NAME=value, one a line',
                })}
              </Grid>
              <Grid item xs={12}>
                {field('secretEnv', 'Secret environment', {
                  multiline: true,
                  minRows: 2,
                  placeholder: 'HF_TOKEN=hf/token',
                  InputProps: { style: { fontFamily: 'monospace' } },
                  helperText:
                    'NAME=secretRef, one a line. The values are references to secrets the compute target resolves, never the secrets themselves.',
                })}
              </Grid>
            </Grid>
          </InfoCard>
        </Grid>

        <Grid item xs={12}>
          <InfoCard title="Limits and placement rules">
            <Grid container spacing={2}>
              <Grid item xs={12} sm={4}>
                {field('checkpointIntervalSeconds', 'Checkpoint interval (s)', {
                  type: 'number',
                  helperText: secondsHint(form.checkpointIntervalSeconds),
                })}
              </Grid>
              <Grid item xs={12} sm={4}>
                {field('maxRuntimeSeconds', 'Max runtime (s)', {
                  type: 'number',
                  helperText: secondsHint(form.maxRuntimeSeconds),
                })}
              </Grid>
              <Grid item xs={12} sm={4}>
                {field('maxRetries', 'Max retries', { type: 'number' })}
              </Grid>
              <Grid item xs={12} sm={4}>
                {field('dataResidency', 'Data residency', {
                  placeholder: 'eu',
                  helperText: 'Pools outside this region are refused',
                })}
              </Grid>
              <Grid item xs={12} sm={8}>
                <Autocomplete
                  multiple
                  freeSolo
                  options={complianceOptions}
                  value={form.compliance}
                  onChange={(_event, value) =>
                    set('compliance', [...new Set(value.map(v => v.trim()))])
                  }
                  renderTags={(value, getTagProps) =>
                    value.map((label, index) => {
                      const { key, ...tagProps } = getTagProps({ index });
                      return (
                        <Chip
                          key={key}
                          size="small"
                          label={label}
                          {...tagProps}
                        />
                      );
                    })
                  }
                  renderInput={params => (
                    <TextField
                      {...params}
                      label="Compliance"
                      placeholder="hipaa"
                      helperText="Labels the input data requires; only pools carrying all of them are used. Enter to add."
                    />
                  )}
                />
              </Grid>
            </Grid>
          </InfoCard>
        </Grid>

        <Grid item xs={12}>
          {submission.error && (
            <Box sx={{ mb: 2 }}>
              <SubmitError error={submission.error} />
            </Box>
          )}
          {attempted && !spec && (
            <Box sx={{ mb: 2 }}>
              <Alert severity="error">Fix the marked fields to submit.</Alert>
            </Box>
          )}
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button
              type="submit"
              variant="contained"
              color="primary"
              disabled={submission.loading}
            >
              Submit job
            </Button>
            <Button onClick={() => navigate('..')}>Cancel</Button>
          </Box>
        </Grid>
      </Grid>
    </form>
  );
}

/** The form for submitting a training job. @internal */
export function SubmitJobPage() {
  const mlApi = useApi(mlApiRef);
  const identityApi = useApi(identityApiRef);
  const choices = useAsync(
    () =>
      Promise.all([
        mlApi.listProfiles(),
        mlApi.listPools(),
        ownerGroupsOf(identityApi),
      ]),
    [mlApi, identityApi],
  );
  let body;
  if (choices.loading) {
    body = <Progress />;
  } else if (choices.error) {
    body = (
      <ResponseErrorPanel
        error={choices.error}
        title="Could not load the training profiles, pools or your groups"
      />
    );
  } else {
    const [profiles, pools, ownerGroups] = choices.value!;
    body = (
      <SubmitForm profiles={profiles} pools={pools} ownerGroups={ownerGroups} />
    );
  }
  return (
    <Content>
      <PageTrail
        crumbs={[{ label: 'Training', to: '..' }, { label: 'Submit job' }]}
      />
      {body}
    </Content>
  );
}
