import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { TeamQuotas } from '@ml-portal/plugin-ml-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { SWRConfig } from 'swr';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { TeamQuotasCard } from './TeamQuotasCard';
import { quotaRequest } from './quotaForm';

const recsys: TeamQuotas = {
  team: 'group:default/recsys',
  quotas: [{ pool: 'a100-eu', nominalGpus: 8, borrowingLimitGpus: 4 }],
  source: 'config',
};
const vision: TeamQuotas = {
  team: 'group:default/vision',
  quotas: [{ pool: 'h100-us', nominalGpus: 1, borrowingLimitGpus: 0 }],
  source: 'api',
  updatedBy: 'user:default/pat',
  updatedAt: Date.parse('2026-12-01T10:00:00Z'),
};

function renderCard(api: Partial<MlApi>, authorize: AuthorizeResult) {
  // A cache of each test's own: usePermission's SWR would serve the last test's answer.
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TeamQuotasCard pools={['a100-eu', 'h100-us']} />
    </SWRConfig>,
    {
      apis: [
        [mlApiRef, api as MlApi],
        mockApis.permission({
          authorize: authorize as AuthorizeResult.ALLOW | AuthorizeResult.DENY,
        }),
      ],
    },
  );
}

describe('TeamQuotasCard', () => {
  it('lists every team with its quotas and where they were set, read-only without the permission', async () => {
    await renderCard(
      { listTeamQuotas: async () => [recsys, vision] },
      AuthorizeResult.DENY,
    );
    const table = await screen.findByRole('table', { name: 'team quotas' });
    expect(
      within(table).getByText('a100-eu: 8 GPUs (+4 borrowed)'),
    ).toBeInTheDocument();
    expect(within(table).getByText('h100-us: 1 GPU')).toBeInTheDocument();
    expect(within(table).getByText('in config')).toBeInTheDocument();
    expect(
      within(table).getByText(/^by user:default\/pat, /),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(
      screen.queryByRole('button', { name: "Set a team's quotas" }),
    ).toBeNull();
  });

  it("lets the platform team replace a team's quotas, pool by pool", async () => {
    let stored = [recsys];
    const setTeamQuotas = jest.fn(
      async (team: string, quotas: TeamQuotas['quotas']) => {
        const saved: TeamQuotas = { team, quotas, source: 'api' };
        stored = [saved];
        return saved;
      },
    );
    await renderCard(
      { listTeamQuotas: async () => stored, setTeamQuotas },
      AuthorizeResult.ALLOW,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog');
    expect(
      within(dialog).getByLabelText('a100-eu: guaranteed GPUs'),
    ).toHaveValue('8');
    fireEvent.change(
      within(dialog).getByLabelText('a100-eu: guaranteed GPUs'),
      {
        target: { value: '2.5' },
      },
    );
    expect(within(dialog).getByText(/Whole GPUs/)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Save' })).toBeDisabled();
    fireEvent.change(
      within(dialog).getByLabelText('a100-eu: guaranteed GPUs'),
      {
        target: { value: '6' },
      },
    );
    fireEvent.change(
      within(dialog).getByLabelText('h100-us: guaranteed GPUs'),
      {
        target: { value: '2' },
      },
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(setTeamQuotas).toHaveBeenCalledWith('group:default/recsys', [
        { pool: 'a100-eu', nominalGpus: 6, borrowingLimitGpus: 4 },
        { pool: 'h100-us', nominalGpus: 2, borrowingLimitGpus: 0 },
      ]),
    );
    expect(
      await screen.findByText('a100-eu: 6 GPUs (+4 borrowed), h100-us: 2 GPUs'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it("shows the server's refusal in the dialog", async () => {
    await renderCard(
      {
        listTeamQuotas: async () => [],
        setTeamQuotas: async () => {
          throw new Error('Unknown pool');
        },
      },
      AuthorizeResult.ALLOW,
    );
    fireEvent.click(
      await screen.findByRole('button', { name: "Set a team's quotas" }),
    );
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Team'), {
      target: { value: 'recsys' },
    });
    fireEvent.change(
      within(dialog).getByLabelText('h100-us: guaranteed GPUs'),
      {
        target: { value: '1' },
      },
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Unknown pool')).toBeInTheDocument();
  });
});

describe('quotaRequest', () => {
  it('leaves blank pools out and refuses borrowing without a guarantee', () => {
    expect(
      quotaRequest({
        a: { nominal: '', borrowing: '' },
        b: { nominal: '3', borrowing: '' },
      }),
    ).toEqual({
      quotas: [{ pool: 'b', nominalGpus: 3, borrowingLimitGpus: 0 }],
      errors: {},
    });
    expect(quotaRequest({ a: { nominal: '', borrowing: '2' } }).errors).toEqual(
      { a: 'Borrowing needs a guaranteed count' },
    );
    expect(
      quotaRequest({ a: { nominal: '100001', borrowing: '' } }).quotas,
    ).toBeUndefined();
  });
});
