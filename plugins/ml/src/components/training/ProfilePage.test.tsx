import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { TrainingTab } from './TrainingTab';
import { makeJob, makeProfile, submittedAt } from './testData';

const v1 = makeProfile({
  name: 'local-small',
  pools: ['local-cpu'],
  defaults: { gpus: 1, maxRuntimeSeconds: 3600 },
  limits: { maxGpus: 2 },
});
const v2 = makeProfile({
  ...v1,
  version: 2,
  source: 'api',
  createdBy: 'user:default/pat',
  createdAt: submittedAt + 86_400_000,
  description: 'The example training, one GPU',
  spotPolicy: 'never',
  defaults: { gpus: 1, maxRuntimeSeconds: 600, image: 'python:3.12' },
  limits: { maxGpus: 1, maxCostPerJobUsd: 5 },
});

function renderAt(path: string, api: Partial<MlApi>) {
  return renderInTestApp(<TrainingTab />, {
    mountPath: '/ml/training',
    initialRouteEntries: [path],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api as MlApi]],
  });
}

describe('ProfilePage', () => {
  it('shows the current version and every earlier one', async () => {
    const listProfileVersions = jest.fn(async () => [v2, v1]);
    await renderAt('/ml/training/profiles/local-small', {
      listProfileVersions,
    });

    expect(await screen.findByText('local-small v2')).toBeInTheDocument();
    expect(listProfileVersions).toHaveBeenCalledWith('local-small');
    expect(screen.getByLabelText('profile summary')).toHaveTextContent(
      'The example training, one GPU',
    );
    expect(screen.getByLabelText('profile summary')).toHaveTextContent(
      'at most 1 · runs up to 10m 00s · on-demand only · at most $5 per job · image python:3.12',
    );
    const rows = within(
      screen.getByRole('table', { name: 'profile versions' }),
    ).getAllByRole<HTMLTableRowElement>('row');
    expect(rows.slice(1).map(row => row.cells[0].textContent)).toEqual([
      'v2',
      'v1',
    ]);
    expect(rows[1]).toHaveTextContent('user:default/pat');
    expect(rows[2]).toHaveTextContent('config');
    expect(rows[2].cells[4]).toHaveTextContent('2');
  });

  it('says so when the profile does not exist', async () => {
    await renderAt('/ml/training/profiles/gone', {
      listProfileVersions: async () => {
        throw new Error("No training profile 'gone'");
      },
    });
    expect(
      await screen.findByText(/Could not load the training profile/),
    ).toBeInTheDocument();
  });
});

describe('the job page', () => {
  it('names the profile version the job was submitted with and links to the profile', async () => {
    const job = {
      ...makeJob({ profile: 'local-small', profileVersion: 1 }),
      attempts: [],
      events: [],
    };
    await renderAt(`/ml/training/jobs/${job.jobId}`, {
      getJob: async () => job,
      listProfileVersions: async () => [v2, v1],
    });
    const link = await screen.findByRole('link', { name: 'local-small v1' });
    expect(link).toHaveAttribute('href', '/ml/training/profiles/local-small');
    fireEvent.click(link);
    expect(await screen.findByText('local-small v2')).toBeInTheDocument();
  });
});
