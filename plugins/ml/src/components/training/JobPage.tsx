import {
  Content,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import Grid from '@mui/material/Grid';
import { TrainingJobDetails } from '@ml-portal/plugin-ml-common';
import { useId, useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { PageTrail } from '../common/PageTrail';
import { usePolledAsync } from '../common/usePolledAsync';
import { AttemptsTable } from './AttemptsTable';
import { isFinalJob, jobDuration, pendingReasonLabel } from './jobFormat';
import { JobLogs } from './JobLogs';
import { JobStatus } from './JobStatus';
import { JobTimeline } from './JobTimeline';
import { LinkedRun } from './LinkedRun';

/** How often a job that can still change is fetched again. @internal */
export const JOB_REFRESH_MS = 3000;

function CancelJobButton(props: {
  job: TrainingJobDetails;
  onCancelled: () => void;
}) {
  const { job, onCancelled } = props;
  const mlApi = useApi(mlApiRef);
  const [confirming, setConfirming] = useState(false);
  const titleId = useId();
  const [cancellation, cancel] = useAsyncFn(async () => {
    await mlApi.cancelJob(job.jobId);
    setConfirming(false);
    onCancelled();
  }, [mlApi, job.jobId, onCancelled]);
  const final = isFinalJob(job.status);
  return (
    <>
      <Button
        variant="outlined"
        color="secondary"
        disabled={final}
        title={final ? 'The job has ended' : undefined}
        onClick={() => setConfirming(true)}
      >
        Cancel job
      </Button>
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        aria-labelledby={titleId}
      >
        <DialogTitle id={titleId}>Cancel {job.name}?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            A pending job leaves the queue; a running attempt is stopped, and
            its GPUs are released. A cancelled job cannot be resumed.
          </DialogContentText>
          {cancellation.error && (
            <Alert severity="error">{cancellation.error.message}</Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)}>Keep it</Button>
          <Button
            color="secondary"
            variant="contained"
            disabled={cancellation.loading}
            onClick={() => cancel()}
          >
            Cancel the job
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

/** While a job waits: the admission check holding it and its place in the queue. */
function PendingExplanation(props: { job: TrainingJobDetails }) {
  const { job } = props;
  return (
    <Alert severity="info" role="region" aria-label="why pending">
      <AlertTitle>Why is this job pending?</AlertTitle>
      {job.pendingReason && (
        <strong>{pendingReasonLabel[job.pendingReason]}. </strong>
      )}
      {job.statusMessage ?? 'It waits for the scheduler to admit it.'}
      {job.queuePosition !== undefined && (
        <Box sx={{ mt: 1 }}>
          Position <strong>{job.queuePosition}</strong> in the queue for its
          pools.
        </Box>
      )}
    </Alert>
  );
}

/** The profile version the job was submitted with, e.g. `local-small v3`, linking to the profile. */
function ProfileLink(props: { job: TrainingJobDetails }) {
  const { job } = props;
  const paths = useMlPaths();
  const label = `${job.profile}${
    job.profileVersion !== undefined ? ` v${job.profileVersion}` : ''
  }`;
  if (!paths || !job.profile) return <>{label}</>;
  return <Link to={paths.profile(job.profile)}>{label}</Link>;
}

function JobSummary(props: { job: TrainingJobDetails }) {
  const { job } = props;
  return (
    <StructuredMetadataTable
      metadata={{
        status: <JobStatus status={job.status} />,
        ...(job.statusMessage &&
          job.status !== 'PENDING' && { message: job.statusMessage }),
        owner: job.owner,
        pool: job.pool ?? MISSING,
        ...(job.profile && { profile: <ProfileLink job={job} /> }),
        gpus: job.gpus,
        priority: job.priority,
        spot: job.spotAllowed ? 'allowed' : 'not allowed',
        submitted: `${formatTime(job.createdAt)}${
          job.submittedBy ? ` by ${job.submittedBy}` : ''
        }`,
        duration: formatDuration(jobDuration(job)),
        command: <code>{job.spec.command.join(' ')}</code>,
        jobId: <code>{job.jobId}</code>,
      }}
    />
  );
}

/** One training job: where it stands, why, what it tried, what it printed. @internal */
export function JobPage() {
  const { jobId = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const job = usePolledAsync(
    () => mlApi.getJob(jobId),
    [mlApi, jobId],
    value =>
      value === undefined || isFinalJob(value.status) ? null : JOB_REFRESH_MS,
  );

  if (job.loading) return <Progress />;
  if (!job.value) {
    return (
      <Content>
        <PageTrail crumbs={[{ label: 'Training', to: '..' }]} />
        <ResponseErrorPanel error={job.error!} title="Could not load the job" />
      </Content>
    );
  }
  const details = job.value;
  const running = details.status === 'RUNNING';
  const final = isFinalJob(details.status);

  return (
    <Content>
      <PageTrail
        crumbs={[{ label: 'Training', to: '..' }, { label: details.name }]}
      />
      <Grid container spacing={3}>
        {job.error && (
          <Grid item xs={12}>
            <Alert severity="warning">
              Could not refresh the job: {job.error.message}
            </Alert>
          </Grid>
        )}
        {details.status === 'PENDING' && (
          <Grid item xs={12}>
            <PendingExplanation job={details} />
          </Grid>
        )}
        <Grid item xs={12} md={5}>
          <InfoCard
            title={details.name}
            action={<CancelJobButton job={details} onCancelled={job.retry} />}
          >
            <JobSummary job={details} />
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={7}>
          <InfoCard title="Timeline">
            <JobTimeline events={details.events} attempts={details.attempts} />
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard title="Attempts">
            <AttemptsTable attempts={details.attempts} now={Date.now()} />
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard
            title="Logs"
            subheader={
              running ? 'Following the running attempt' : 'The latest attempt'
            }
          >
            {details.attempts.length > 0 ? (
              <JobLogs jobId={details.jobId} live={running} />
            ) : (
              <MutedText>No logs: nothing has run yet.</MutedText>
            )}
          </InfoCard>
        </Grid>
        {details.runId && (
          <Grid item xs={12}>
            <InfoCard title="MLflow run">
              <LinkedRun
                runId={details.runId}
                experimentId={details.experimentId}
                live={!final}
              />
            </InfoCard>
          </Grid>
        )}
      </Grid>
    </Content>
  );
}
