import {
  Content,
  ContentHeader,
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import Grid from '@mui/material/Grid';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { isFinalJob } from './jobFormat';
import { JobsTable } from './JobsTable';
import { PoolQueue } from './PoolQueue';
import { TeamQuotasCard } from './TeamQuotasCard';
import { usePolledAsync } from '../common/usePolledAsync';

/** How often the queue is refreshed while some job can still change. @internal */
export const QUEUE_REFRESH_MS = 5000;

const EXAMPLE_SUBMISSION = `curl -X POST "$BACKSTAGE/api/ml/training/jobs" \\
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -d '{"name": "bert-finetune", "profile": "gpu-small",
       "command": ["python", "train.py", "--epochs", "3"],
       "resources": {"gpus": 1}}'`;

function NoJobsYet(props: { onSubmit: () => void }) {
  return (
    <EmptyState
      missing="data"
      title="No training jobs yet"
      description="Submit a job with the form, or POST a job spec to /api/ml/training/jobs from a script or CI. Jobs wait in the queue of a GPU pool until their team's quota and the pool's capacity admit them; each job's page says why it waits."
      action={
        <>
          <Button variant="contained" color="primary" onClick={props.onSubmit}>
            Submit job
          </Button>
          <Box
            component="pre"
            sx={{ mt: 2, fontSize: '0.8rem', overflow: 'auto' }}
          >
            {EXAMPLE_SUBMISSION}
          </Box>
        </>
      }
    />
  );
}

/** The Training tab: the GPU pools with their queues, and the jobs. @internal */
export function TrainingPage() {
  const mlApi = useApi(mlApiRef);
  const navigate = useNavigate();
  const ownerId = useId();
  const [ownerDraft, setOwnerDraft] = useState('');
  const [owner, setOwner] = useState('');
  useDebounce(() => setOwner(ownerDraft.trim()), 400, [ownerDraft]);
  const [onlyActive, setOnlyActive] = useState(false);

  const jobs = usePolledAsync(
    () => mlApi.listJobs({ owner: owner || undefined }),
    [mlApi, owner],
    value =>
      value?.some(job => !isFinalJob(job.status)) ? QUEUE_REFRESH_MS : null,
  );
  const anyActive = jobs.value?.some(job => !isFinalJob(job.status)) ?? false;
  const pools = usePolledAsync(
    () => mlApi.listPools(),
    [mlApi],
    () => (anyActive ? QUEUE_REFRESH_MS : null),
  );
  const submit = () => navigate('submit');

  let jobsContent;
  if (jobs.loading) {
    jobsContent = <Progress />;
  } else if (!jobs.value) {
    jobsContent = (
      <ResponseErrorPanel error={jobs.error!} title="Could not list jobs" />
    );
  } else if (jobs.value.length === 0 && !owner) {
    jobsContent = <NoJobsYet onSubmit={submit} />;
  } else {
    const shown = onlyActive
      ? jobs.value.filter(job => !isFinalJob(job.status))
      : jobs.value;
    jobsContent = (
      <>
        {jobs.error && (
          <Alert severity="warning">
            Could not refresh the jobs: {jobs.error.message}
          </Alert>
        )}
        <JobsTable jobs={shown} now={Date.now()} />
      </>
    );
  }

  let poolsContent;
  if (pools.loading) {
    poolsContent = <Progress />;
  } else if (!pools.value) {
    poolsContent = (
      <ResponseErrorPanel error={pools.error!} title="Could not list pools" />
    );
  } else {
    poolsContent = <PoolQueue pools={pools.value} />;
  }

  return (
    <Content>
      <ContentHeader title="Training">
        <Button variant="contained" color="primary" onClick={submit}>
          Submit job
        </Button>
      </ContentHeader>
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <Typography variant="h6" gutterBottom>
            GPU pools
          </Typography>
          {poolsContent}
        </Grid>
        {pools.value && (
          <Grid item xs={12}>
            <TeamQuotasCard pools={pools.value.map(pool => pool.name)} />
          </Grid>
        )}
        <Grid item xs={12}>
          <InfoCard
            title="Jobs"
            subheader={
              anyActive
                ? `Refreshing every ${
                    QUEUE_REFRESH_MS / 1000
                  } s while jobs are active`
                : undefined
            }
          >
            <Box sx={{ display: 'flex', alignItems: 'center', mb: 2, gap: 3 }}>
              <TextField
                id={ownerId}
                label="Owner"
                placeholder="group:default/ml-research"
                value={ownerDraft}
                onChange={event => setOwnerDraft(event.target.value)}
                size="small"
              />
              <FormControlLabel
                control={
                  <Switch
                    checked={onlyActive}
                    onChange={event => setOnlyActive(event.target.checked)}
                  />
                }
                label="Only active"
              />
            </Box>
            {jobsContent}
          </InfoCard>
        </Grid>
      </Grid>
    </Content>
  );
}
