import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { TrainingJobDetails } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { makeHistory, makeRun } from '../tracking/testData';
import { LOG_REFRESH_MS } from './JobLogs';
import { TrainingTab } from './TrainingTab';
import { makeAttempt, makeJob, submittedAt } from './testData';
import { rootRouteRef } from '../../routes';

const preempted = makeAttempt({
  attemptId: 'att-1',
  attemptNumber: 1,
  state: 'PREEMPTED',
  startedAt: submittedAt + 60_000,
  endedAt: submittedAt + 60_000 + 3_723_000,
  exitReason: 'Spot instance reclaimed',
  billableSeconds: 3723,
});
const resumed = makeAttempt({
  attemptId: 'att-2',
  attemptNumber: 2,
  pool: 'h100-spot-us',
  target: 'sagemaker',
  gpuType: 'nvidia-h100',
  state: 'RUNNING',
  startedAt: submittedAt + 4_000_000,
});
const events: TrainingJobDetails['events'] = [
  {
    at: submittedAt + 60_000,
    type: 'admitted',
    status: 'ADMITTED',
    message: 'Admitted to a100-eu',
  },
  {
    at: submittedAt,
    type: 'submitted',
    status: 'PENDING',
    message: 'Submitted by user:default/alice',
  },
  {
    at: submittedAt + 3_783_000,
    type: 'preempted',
    status: 'PENDING',
    message: 'Spot capacity reclaimed; requeued to resume from checkpoint',
    attemptId: 'att-1',
  },
];

function renderJob(job: TrainingJobDetails, api: Partial<MlApi> = {}) {
  return renderInTestApp(<TrainingTab />, {
    mountPath: '/ml/training',
    initialRouteEntries: [`/ml/training/jobs/${job.jobId}`],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [
      [
        mlApiRef,
        {
          getJob: async () => job,
          getJobLogs: async () => 'epoch 1 loss=0.52\nepoch 2 loss=0.31\n',
          ...api,
        },
      ],
    ],
  });
}

describe('JobPage', () => {
  afterEach(() => jest.useRealTimers());

  it('explains why a pending job waits, with its place in the queue and its history', async () => {
    await renderJob(
      makeJob({
        status: 'PENDING',
        pendingReason: 'quota',
        statusMessage:
          'group:default/nlp uses 8 of its 8 nominal + 0 borrowable GPUs in a100-eu; the job needs 8',
        queuePosition: 3,
        attempts: [preempted],
        events,
      }),
    );

    const why = await screen.findByRole('region', { name: 'why pending' });
    expect(why).toHaveTextContent('Why is this job pending?');
    expect(why).toHaveTextContent('Team quota reached.');
    expect(why).toHaveTextContent(
      'group:default/nlp uses 8 of its 8 nominal + 0 borrowable GPUs in a100-eu',
    );
    expect(why).toHaveTextContent('Position 3 in the queue for its pools.');

    // The timeline, oldest first, naming the attempt an event is about.
    const rows = within(screen.getByRole('table', { name: 'timeline' }))
      .getAllByRole<HTMLTableRowElement>('row')
      .slice(1);
    expect(rows.map(row => row.cells[2].textContent)).toEqual([
      'Submitted by user:default/alicesubmitted',
      'Admitted to a100-euadmitted',
      'Spot capacity reclaimed; requeued to resume from checkpointpreempted',
    ]);
    expect(rows[2].cells[3]).toHaveTextContent('#1');

    // The preempted attempt stands out.
    const attempt = within(
      screen.getByRole('table', { name: 'attempts' }),
    ).getAllByRole<HTMLTableRowElement>('row')[1];
    expect(attempt).toHaveTextContent('Preempted');
    expect(attempt).toHaveStyle({ backgroundColor: 'rgba(240, 171, 0, 0.12)' });
    expect(attempt).toHaveTextContent('Spot instance reclaimed');
    expect(attempt).toHaveTextContent('1h 02m');

    // Logs of the earlier attempt, fetched once.
    expect(await screen.findByLabelText('logs')).toHaveTextContent(
      'epoch 2 loss=0.31',
    );
    expect(
      screen.getByRole('button', { name: 'Cancel job' }),
    ).not.toBeDisabled();
  });

  it('follows the logs of a running job and links its MLflow run with its metrics', async () => {
    jest.useFakeTimers();
    let logs = 'step 1\n';
    const getJobLogs = jest.fn(async () => logs);
    await renderJob(
      makeJob({
        status: 'RUNNING',
        pendingReason: undefined,
        statusMessage: undefined,
        pool: 'h100-spot-us',
        attempts: [preempted, resumed],
        events,
        experimentId: '7',
        runId: 'r1',
      }),
      {
        getJobLogs,
        getRun: async runId =>
          makeRun({
            runId,
            runName: 'bold-owl',
            status: 'RUNNING',
            metrics: { loss: 0.31 },
          }),
        getMetricHistory: async ({ runId, key }) => makeHistory(runId, key),
      },
    );

    expect(await screen.findByLabelText('logs')).toHaveTextContent('step 1');
    expect(
      screen.queryByRole('region', { name: 'why pending' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByText('Following the running attempt'),
    ).toBeInTheDocument();

    logs = 'step 1\nstep 2\n';
    // Polled every 2 s while running.
    await act(async () => {
      jest.advanceTimersByTime(LOG_REFRESH_MS);
    });
    await waitFor(() =>
      expect(screen.getByLabelText('logs')).toHaveTextContent('step 2'),
    );

    expect(
      await screen.findByRole('link', { name: 'bold-owl' }),
    ).toHaveAttribute('href', '/ml/experiments/7/runs/r1');
    const metrics = screen.getByLabelText('latest metrics');
    expect(metrics).toHaveTextContent('loss · step 10');
    expect(metrics).toHaveTextContent('0.31');
    expect(await screen.findByLabelText('loss history')).toBeInTheDocument();
  });

  it('cancels the job after confirmation', async () => {
    let job = makeJob({ status: 'PENDING', queuePosition: 1 });
    const cancelJob = jest.fn(async () => {
      job = {
        ...job,
        status: 'CANCELLED',
        statusMessage: 'Cancelled by alice',
      };
      return job;
    });
    await renderJob(job, { getJob: async () => job, cancelJob });

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel job' }));
    expect(
      await screen.findByRole('dialog', { name: 'Cancel bert-finetune?' }),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the job' }));

    await waitFor(() => expect(cancelJob).toHaveBeenCalledWith('job-1'));
    expect(await screen.findByText('Cancelled by alice')).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(screen.getByRole('button', { name: 'Cancel job' })).toBeDisabled();
    expect(
      screen.queryByRole('region', { name: 'why pending' }),
    ).not.toBeInTheDocument();
  });
});
