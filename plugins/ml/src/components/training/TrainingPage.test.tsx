import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { TrainingJob } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { TrainingTab } from './TrainingTab';
import { makeJob, pools, profiles } from './testData';

const pending = makeJob({ jobId: 'job-1', name: 'bert-finetune' });
const running = makeJob({
  jobId: 'job-2',
  name: 'resnet-sweep',
  owner: 'group:default/vision',
  status: 'RUNNING',
  statusMessage: undefined,
  pendingReason: undefined,
  pool: 'a100-eu',
  gpus: 4,
});
const failed = makeJob({
  jobId: 'job-3',
  name: 'old-run',
  status: 'FAILED',
  statusMessage: 'OOMKilled on attempt 2',
  pendingReason: undefined,
  pool: 'a100-eu',
  updatedAt: pending.createdAt + 192_000,
});

function renderTraining(listJobs: MlApi['listJobs']) {
  const api: Partial<MlApi> = {
    listPools: async () => pools,
    listProfiles: async () => profiles,
    listTeamQuotas: async () => [],
    listJobs,
  };
  return renderInTestApp(<TrainingTab />, {
    mountPath: '/ml/training',
    mountedRoutes: { '/ml': rootRouteRef },
    initialRouteEntries: ['/ml/training'],
    apis: [[mlApiRef, api]],
  });
}

describe('TrainingPage', () => {
  afterEach(() => jest.useRealTimers());

  it('shows each pool with its usage, kind, compliance and queue', async () => {
    await renderTraining(async () => [pending]);

    expect(await screen.findByText('a100-eu')).toBeInTheDocument();
    expect(screen.getByText('12 / 16 GPUs in use')).toBeInTheDocument();
    expect(screen.getByText('3 jobs pending')).toBeInTheDocument();
    expect(
      screen.getByText('kubernetes · eu-west-1 · nvidia-a100'),
    ).toBeInTheDocument();
    expect(screen.getByText('On-demand')).toBeInTheDocument();
    expect(screen.getByText('hipaa')).toBeInTheDocument();
    expect(screen.getByText('Spot')).toBeInTheDocument();
    expect(screen.getByText('0 / 8 GPUs in use')).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', { name: 'a100-eu usage' }),
    ).toHaveAttribute('aria-valuenow', '75');
  });

  it('lists jobs with their status, why they wait and how long they took', async () => {
    await renderTraining(async () => [pending, running, failed]);

    const table = await screen.findByRole('table', { name: 'training jobs' });
    expect(
      within(table).getByRole('link', { name: 'bert-finetune' }),
    ).toHaveAttribute('href', '/ml/training/jobs/job-1');
    const pendingRow = within(table)
      .getByRole('link', { name: 'bert-finetune' })
      .closest('tr')!;
    expect(within(pendingRow).getByText('Pending')).toBeInTheDocument();
    expect(pendingRow).toHaveTextContent(
      'No free GPUs: a100-eu has 4 of 16 GPUs free; the job needs 8',
    );
    expect(pendingRow).toHaveTextContent('profile gpu-small');
    const failedRow = within(table)
      .getByRole('link', { name: 'old-run' })
      .closest('tr')!;
    expect(failedRow).toHaveTextContent('Failed');
    expect(failedRow).toHaveTextContent('OOMKilled on attempt 2');
    expect(failedRow).toHaveTextContent('3m 12s');
    expect(within(table).getByText('Running')).toBeInTheDocument();
  });

  it('filters by owner on the server and by activity here', async () => {
    // The owner field is debounced: waitFor moves the fake clock until it fires.
    jest.useFakeTimers();
    const listJobs = jest.fn(async ({ owner }: { owner?: string }) =>
      [pending, running, failed].filter(job => !owner || job.owner === owner),
    );
    await renderTraining(listJobs);
    await screen.findByRole('link', { name: 'old-run' });

    fireEvent.click(screen.getByRole('checkbox', { name: 'Only active' }));
    expect(
      screen.queryByRole('link', { name: 'old-run' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'bert-finetune' }),
    ).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Owner'), {
      target: { value: 'group:default/vision' },
    });
    await waitFor(() =>
      expect(listJobs).toHaveBeenLastCalledWith({
        owner: 'group:default/vision',
      }),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('link', { name: 'bert-finetune' }),
      ).not.toBeInTheDocument(),
    );
    expect(
      screen.getByRole('link', { name: 'resnet-sweep' }),
    ).toBeInTheDocument();
  });

  it('refreshes every 5 s while a job is active, and stops when all are final', async () => {
    jest.useFakeTimers();
    let current: TrainingJob[] = [pending];
    const listJobs = jest.fn(async () => current);
    await renderTraining(listJobs);
    await screen.findByRole('link', { name: 'bert-finetune' });
    expect(listJobs).toHaveBeenCalledTimes(1);

    current = [{ ...pending, status: 'CANCELLED' }];
    await act(async () => {
      jest.advanceTimersByTime(5000);
    });
    await waitFor(() => expect(listJobs).toHaveBeenCalledTimes(2));
    expect(await screen.findByText('Cancelled')).toBeInTheDocument();

    await act(async () => {
      jest.advanceTimersByTime(20000);
    });
    expect(listJobs).toHaveBeenCalledTimes(2);
  });

  it('explains how to submit when there are no jobs', async () => {
    await renderTraining(async () => []);

    expect(await screen.findByText('No training jobs yet')).toBeInTheDocument();
    expect(screen.getByText(/POST a job spec/)).toBeInTheDocument();
    fireEvent.click(screen.getAllByRole('button', { name: 'Submit job' })[1]);
    expect(
      await screen.findByRole('form', { name: 'submit job' }),
    ).toBeInTheDocument();
  });
});
