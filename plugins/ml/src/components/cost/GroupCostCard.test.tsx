import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { screen, within } from '@testing-library/react';
import { CostSummary } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { mlPlugin } from '../../plugin';
import { rootRouteRef } from '../../routes';
import { GroupCostCard } from './GroupCostCard';
import { emptySummary, now, recsys, summary, vision } from './testData';

const group = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name },
  spec: { type: 'team', children: [] },
});

/** The summary as the API answers it for one team: everything filtered to it. */
function summaryOf(team: string): CostSummary {
  return {
    ...summary,
    teams: summary.teams.filter(row => row.team === team),
    budgets: summary.budgets.filter(budget => budget.team === team),
    top: [
      ...summary.top.filter(item => item.team === team),
      {
        kind: 'job',
        id: 'job-8',
        name: 'ranker-eval',
        team,
        costMicros: 900_000_000,
        gpuSeconds: 3600,
      },
    ],
  };
}

function renderCard(name: string, getCostSummary: MlApi['getCostSummary']) {
  return renderInTestApp(
    <EntityProvider entity={group(name)}>
      <GroupCostCard now={now} />
    </EntityProvider>,
    {
      mountedRoutes: { '/ml': rootRouteRef },
      apis: [[mlApiRef, { getCostSummary }]],
    },
  );
}

describe('GroupCostCard', () => {
  it("shows the team's month, budget and costliest jobs, and links to its cost page", async () => {
    const getCostSummary = jest.fn(async () => summaryOf(recsys));
    await renderCard('RecSys', getCostSummary);

    expect(await screen.findByLabelText('spend this month')).toHaveTextContent(
      '$8,000.00',
    );
    // The entity's ref, lower-cased like the catalog's, for this month.
    expect(getCostSummary).toHaveBeenCalledWith({
      month: '2026-11',
      team: 'group:default/recsys',
    });
    expect(
      screen.getByText('80% of the soft budget of $10,000.00 spent'),
    ).toBeInTheDocument();
    expect(
      screen.getByText("Forecast $12,000.00 by the month's end, over budget"),
    ).toBeInTheDocument();
    expect(screen.queryByText(/held for budget/)).not.toBeInTheDocument();

    const jobs = within(screen.getByRole('list', { name: 'top jobs' }))
      .getAllByRole('link')
      .map(link => [link.textContent, link.getAttribute('href')]);
    expect(jobs).toEqual([
      ['ranker-train', '/ml/training/jobs/job-7'],
      ['ranker-eval', '/ml/training/jobs/job-8'],
    ]);
    expect(
      screen.getByRole('link', { name: /Cost of this team/ }),
    ).toHaveAttribute('href', `/ml/cost?team=${encodeURIComponent(recsys)}`);
  });

  it('warns when the team’s new jobs are held for budget', async () => {
    await renderCard('vision', async () => summaryOf(vision));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'New jobs held for budget',
    );
    expect(
      screen.getByRole('progressbar', { name: 'budget used' }),
    ).toHaveAttribute('aria-valuenow', '100');
  });

  it('says when the team has no spend and no budget', async () => {
    await renderCard('newcomers', async () => emptySummary);

    expect(await screen.findByLabelText('spend this month')).toHaveTextContent(
      '$0.00',
    );
    expect(
      screen.getByText('No GPU time used in November 2026.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('No budget set for this month.'),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('list', { name: 'top jobs' }),
    ).not.toBeInTheDocument();
  });

  it('is an entity card of the ml plugin, shown on groups only', () => {
    const tester = createExtensionTester(
      mlPlugin.getExtension('entity-card:ml/group-cost'),
    );
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;

    expect(filter(group('recsys'))).toBe(true);
    expect(filter({ ...group('svc'), kind: 'Component' })).toBe(false);
  });
});
