import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TrainingProfile } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { TrainingTab } from './TrainingTab';
import { makeJob, makeProfile, pools, submittedAt } from './testData';

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

const PLATFORM_ENGINEER = ['user:default/pat', 'group:default/ml-platform'];

function renderAt(
  path: string,
  api: Partial<MlApi>,
  ownershipEntityRefs = ['user:default/guest'],
) {
  return renderInTestApp(<TrainingTab />, {
    mountPath: '/ml/training',
    initialRouteEntries: [path],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [
      [mlApiRef, api as MlApi],
      mockApis.identity({
        userEntityRef: ownershipEntityRefs[0],
        ownershipEntityRefs,
      }),
    ],
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

  it('publishes the next version from the current one for the platform team, and shows it', async () => {
    const v3 = makeProfile({
      ...v2,
      version: 3,
      limits: { maxGpus: 4, maxCostPerJobUsd: 5 },
    });
    const listProfileVersions = jest
      .fn<Promise<TrainingProfile[]>, [string]>()
      .mockResolvedValueOnce([v2, v1])
      .mockResolvedValue([v3, v2, v1]);
    const publishProfileVersion = jest.fn(async () => v3);
    await renderAt(
      '/ml/training/profiles/local-small',
      {
        listProfileVersions,
        listPools: async () => pools,
        publishProfileVersion,
      },
      PLATFORM_ENGINEER,
    );

    fireEvent.click(
      await screen.findByRole('button', { name: 'Publish a new version' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Publish local-small v3'),
    ).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText('Max GPUs'), {
      target: { value: '0' },
    });
    expect(
      within(dialog).getByText('A whole number, at least 1'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Publish' }),
    ).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Max GPUs'), {
      target: { value: '4' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Publish' }));

    expect(await screen.findByText('local-small v3')).toBeInTheDocument();
    // The whole definition, unchanged fields as v2 has them, made from v2.
    expect(publishProfileVersion).toHaveBeenCalledWith('local-small', {
      baseVersion: 2,
      description: 'The example training, one GPU',
      pools: ['local-cpu'],
      spotPolicy: 'never',
      defaults: { gpus: 1, maxRuntimeSeconds: 600, image: 'python:3.12' },
      limits: { maxGpus: 4, maxCostPerJobUsd: 5 },
    });
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('shows the server refusal, e.g. another version published first', async () => {
    const publishProfileVersion = jest.fn(async () => {
      throw new Error(
        "Training profile 'local-small' is at version 3, not 2: reload and try again",
      );
    });
    await renderAt(
      '/ml/training/profiles/local-small',
      {
        listProfileVersions: async () => [v2, v1],
        listPools: async () => pools,
        publishProfileVersion,
      },
      PLATFORM_ENGINEER,
    );
    fireEvent.click(
      await screen.findByRole('button', { name: 'Publish a new version' }),
    );
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Publish',
      }),
    );
    expect(
      await within(screen.getByRole('dialog')).findByText(
        /is at version 3, not 2/,
      ),
    ).toBeInTheDocument();
  });

  it("keeps Publish from those outside the profile's owner group", async () => {
    await renderAt('/ml/training/profiles/local-small', {
      listProfileVersions: async () => [v2, v1],
    });
    expect(
      await screen.findByRole('button', { name: 'Publish a new version' }),
    ).toBeDisabled();
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
