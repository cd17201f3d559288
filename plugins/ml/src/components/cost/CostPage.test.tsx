import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CostImportResult } from '@ml-portal/plugin-ml-common';
import { File as NodeFile } from 'node:buffer';
import { SWRConfig } from 'swr';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest } from '../common/testData';
import { budgetRequest } from './budgetForm';
import { CostPage } from './CostPage';
import {
  emptySummary,
  now,
  prices,
  recommendations,
  recsys,
  summary,
  vision,
} from './testData';

function costApi(overrides: Partial<MlApi> = {}) {
  return {
    getCostSummary: jest.fn(async () => summary),
    getCostRecommendations: jest.fn(async () => recommendations),
    getGpuPrices: jest.fn(async () => prices),
    getRun: jest.fn(async (runId: string) => ({
      info: { runId, experimentId: '7' },
    })) as unknown as MlApi['getRun'],
    exportCostCsv: jest.fn(async () => new Blob(['team,costUsd\n'])),
    importBill: jest.fn(),
    ...overrides,
  } satisfies Partial<MlApi>;
}

function renderCost(
  api: Partial<MlApi>,
  url = '/ml/cost',
  authorize:
    | AuthorizeResult.ALLOW
    | AuthorizeResult.DENY = AuthorizeResult.DENY,
) {
  // A permission cache of each test's own: usePermission's SWR would serve the last.
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <CostPage now={now} />
    </SWRConfig>,
    {
      mountPath: '/ml/cost',
      initialRouteEntries: [url],
      mountedRoutes: { '/ml': rootRouteRef },
      apis: [[mlApiRef, api], mockApis.permission({ authorize })],
    },
  );
}

const region = (name: string) => screen.getByRole('region', { name });

describe('CostPage', () => {
  afterEach(() => jest.useRealTimers());

  it("shows the month's spend, spot savings and forecast against budget", async () => {
    const api = costApi();
    await renderCost(api);

    const spend = await screen.findByRole('region', {
      name: 'Spend in November 2026',
    });
    expect(spend).toHaveTextContent('$13,000');
    expect(spend).toHaveTextContent('4,200 GPU-h');
    expect(region('Spot savings')).toHaveTextContent(
      '$4,00024% below the on-demand list price of $17,000',
    );
    expect(region('Forecast to month end')).toHaveTextContent(
      '$19,500130% of $15,000 budgeted for 2 teams: $4,500 over',
    );
    expect(api.getCostSummary).toHaveBeenCalledWith({
      month: '2026-11',
      team: undefined,
    });
  });

  it('shows a month of cents in cents, in the headline as in the budgets, with distinct axis ticks', async () => {
    const cents = (n: number) => n * 10_000;
    const small = {
      ...summary,
      teams: [
        {
          team: recsys,
          costMicros: cents(17),
          listCostMicros: cents(17),
          gpuSeconds: 60,
        },
      ],
      trend: [
        {
          team: recsys,
          month: '2026-10',
          gpuType: 'nvidia-l4',
          spot: false,
          costMicros: cents(28),
          listCostMicros: cents(28),
          gpuSeconds: 90,
        },
        {
          team: recsys,
          month: '2026-11',
          gpuType: 'nvidia-l4',
          spot: false,
          costMicros: cents(17),
          listCostMicros: cents(17),
          gpuSeconds: 60,
        },
      ],
      daily: [],
      budgets: [{ ...summary.budgets[0], spentMicros: cents(17) }],
    };
    await renderCost(costApi({ getCostSummary: async () => small }));

    const spend = await screen.findByRole('region', {
      name: 'Spend in November 2026',
    });
    expect(spend).toHaveTextContent('$0.17');
    const budgets = screen.getByRole('table', { name: 'budgets' });
    expect(budgets).toHaveTextContent('$0.17');

    const trend = screen.getByRole('figure', {
      name: 'recsys spend per month',
    });
    const ticks = [
      ...trend.querySelectorAll(
        '.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
      ),
    ].map(tick => tick.textContent);
    expect(ticks).toEqual(['$0.00', '$0.10', '$0.20', '$0.30']);
  });

  it('warns that new jobs are held where a hard budget is spent', async () => {
    await renderCost(costApi());

    const budgets = await screen.findByRole('table', { name: 'budgets' });
    const visionRow = within(budgets)
      .getByRole('link', { name: 'vision' })
      .closest('tr')!;
    expect(visionRow).toHaveTextContent('Holding new jobs');
    expect(visionRow).toHaveTextContent('Hard');
    expect(
      within(visionRow).getByLabelText('100% crossed'),
    ).toBeInTheDocument();
    const recsysRow = within(budgets)
      .getByRole('link', { name: 'recsys' })
      .closest('tr')!;
    expect(recsysRow).toHaveTextContent('Forecast over budget');
    expect(within(recsysRow).getByLabelText('80% crossed')).toBeInTheDocument();
    expect(
      within(recsysRow).getByLabelText('100% not crossed'),
    ).toBeInTheDocument();

    const holds = screen
      .getAllByRole('alert')
      .filter(alert => /held for budget/.test(alert.textContent ?? ''));
    expect(holds).toHaveLength(1);
    expect(holds[0]).toHaveTextContent(
      'New jobs held for budget: vision. $5,000.00 of its hard budget of $5,000.00 for November 2026 is spent.',
    );
  });

  it("lets the platform team change a team's budget; others only read them", async () => {
    const setBudget = jest.fn(async (team: string) => ({
      team,
      monthlyUsd: 9000,
      alertAt: [0.5, 1],
      hard: true,
      source: 'api' as const,
    }));
    const getCostSummary = jest.fn(async () => summary);
    await renderCost(
      costApi({ setBudget, getCostSummary }),
      '/ml/cost',
      AuthorizeResult.ALLOW,
    );
    const budgets = await screen.findByRole('table', { name: 'budgets' });
    const recsysRow = within(budgets)
      .getAllByRole('row')
      .find(row => row.textContent?.includes('recsys'))!;
    fireEvent.click(within(recsysRow).getByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByLabelText('Monthly budget (USD)')).toHaveValue(
      '10000',
    );
    expect(within(dialog).getByLabelText(/^Alert at/)).toHaveValue(
      '50, 80, 100',
    );
    fireEvent.change(within(dialog).getByLabelText('Monthly budget (USD)'), {
      target: { value: '9000' },
    });
    fireEvent.change(within(dialog).getByLabelText(/^Alert at/), {
      target: { value: '100, 50%' },
    });
    fireEvent.click(within(dialog).getByRole('checkbox'));
    const loads = getCostSummary.mock.calls.length;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(setBudget).toHaveBeenCalledWith(recsys, {
        monthlyUsd: 9000,
        alertAt: [0.5, 1],
        hard: true,
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // The summary loads again with the new budget.
    await waitFor(() =>
      expect(getCostSummary.mock.calls.length).toBeGreaterThan(loads),
    );
  });

  it('offers no budget changes without the permission', async () => {
    await renderCost(costApi());
    await screen.findByRole('table', { name: 'budgets' });
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(
      screen.queryByRole('button', { name: "Set a team's budget" }),
    ).toBeNull();
  });

  it('reads a budget form: an amount, percentages, refusals', () => {
    expect(
      budgetRequest({ amount: '$2500', alertAt: '100, 80%, 80', hard: false }),
    ).toEqual({
      request: { monthlyUsd: 2500, alertAt: [0.8, 1], hard: false },
      errors: {},
    });
    expect(
      budgetRequest({ amount: '0', alertAt: '80, 300', hard: false }).errors,
    ).toEqual({
      amount: 'A positive amount in USD',
      alertAt: 'Up to 10 percentages from 1 to 200, e.g. 80, 100',
    });
  });

  it('has no hold warning when no budget holds', async () => {
    await renderCost(
      costApi({
        getCostSummary: async () => ({
          ...summary,
          budgets: summary.budgets.map(b => ({ ...b, holding: false })),
        }),
      }),
    );

    await screen.findByRole('table', { name: 'budgets' });
    expect(screen.queryByText(/held for budget/)).not.toBeInTheDocument();
  });

  it('charts each team per month and the most pressing burn-down', async () => {
    await renderCost(costApi());

    const recsysTrend = await screen.findByRole('figure', {
      name: 'recsys spend per month',
    });
    expect(recsysTrend).toHaveTextContent('recsys · $19,000 in 6 months');
    // Two series (A100 on demand and spot) stacked in six months' bars.
    expect(recsysTrend.querySelectorAll('.recharts-bar')).toHaveLength(2);
    expect(
      screen.getByRole('figure', { name: 'vision spend per month' }),
    ).toHaveTextContent('vision · $9,000 in 6 months');
    // Vision's forecast is furthest past its budget.
    const burnDownChart = screen.getByRole('figure', {
      name: 'vision burn-down',
    });
    expect(burnDownChart.querySelectorAll('.recharts-line')).toHaveLength(3);
  });

  it('links the top jobs, runs and experiments to their pages, one kind at a time', async () => {
    const api = costApi({
      getCostSummary: async () => ({
        ...summary,
        top: [
          ...summary.top,
          {
            kind: 'job',
            id: 'job-8',
            name: 'ranker-eval',
            team: recsys,
            costMicros: 5_000_000_000,
            gpuSeconds: 3600,
          },
        ],
      }),
    });
    await renderCost(api);

    const jobs = await screen.findByRole('table', { name: 'top jobs' });
    const cells = (table: HTMLElement) =>
      within(table)
        .getAllByRole('link')
        .filter(link => !link.getAttribute('href')?.includes('?team='))
        .map(link => [link.textContent, link.getAttribute('href')]);
    // Costliest first; only jobs.
    expect(cells(jobs)).toEqual([
      ['ranker-eval', '/ml/training/jobs/job-8'],
      ['ranker-train', '/ml/training/jobs/job-7'],
    ]);
    expect(api.getRun).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Experiments' }));
    expect(
      cells(screen.getByRole('table', { name: 'top experiments' })),
    ).toEqual([['churn-model', '/ml/experiments/7']]);

    // A run's page is under its experiment, looked up from the run.
    fireEvent.click(screen.getByRole('button', { name: 'Runs' }));
    const runs = screen.getByRole('table', { name: 'top runs' });
    expect(
      await within(runs).findByRole('link', { name: 'ranker lr=3e-4' }),
    ).toHaveAttribute('href', '/ml/experiments/7/runs/run-abc');
    expect(api.getRun).toHaveBeenCalledWith('run-abc');
  });

  it('lists idle resources, reconciliation and recommendations with their savings', async () => {
    await renderCost(costApi());

    const idle = await screen.findByRole('table', { name: 'idle resources' });
    expect(idle).toHaveTextContent('h100-reserved');
    expect(idle).toHaveTextContent('$320.00');
    const reconciliation = screen.getByRole('table', {
      name: 'reconciliation',
    });
    expect(reconciliation).toHaveTextContent('$7,350.00');
    expect(reconciliation).toHaveTextContent('+$350.00 (+5%)');

    const recs = await screen.findByRole('table', { name: 'recommendations' });
    const rows = within(recs).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('Right-size');
    expect(rows[0]).toHaveTextContent('a100-eu → l4-eu');
    expect(rows[0]).toHaveTextContent('$1,200.00');
    expect(
      within(rows[0]).getByRole('link', { name: 'nightly-embeddings' }),
    ).toHaveAttribute('href', '/ml/training/jobs/job-9');
    // job-9's two suggestions count once, by the larger.
    expect(
      screen.getByText('Up to $1,500 a month to save'),
    ).toBeInTheDocument();
  });

  it("shows each team's training beside its serving", async () => {
    await renderCost(costApi());

    const table = await screen.findByRole('table', { name: 'spend by source' });
    const rows = within(table).getAllByRole('row');
    expect(rows.map(row => row.textContent)).toEqual([
      'TeamTrainingServingTotal',
      'recsys$7,200.00$800.00$8,000.00',
      'vision$5,000.00$0.00$5,000.00',
    ]);
    expect(
      within(rows[1]).getByRole('link', { name: 'recsys' }),
    ).toHaveAttribute('href', `/ml/cost?team=${encodeURIComponent(recsys)}`);
  });

  it('lists idle endpoints with their requests, idle cost and what scaling to zero saved', async () => {
    await renderCost(costApi());

    const idle = await screen.findByRole('table', { name: 'idle resources' });
    const row = (name: string) =>
      within(idle)
        .getAllByRole('row')
        .find(r => within(r).queryByText(name))!;
    // Costliest first: the pool, then the endpoint kept up for 12 requests.
    expect(
      within(idle)
        .getAllByRole('row')
        .slice(1)
        .map(r => r.firstChild?.textContent),
    ).toEqual(['h100-reserved', 'ranker-shadow', 'churn-serverless']);
    expect(row('ranker-shadow')).toHaveTextContent('Endpoint');
    expect(row('ranker-shadow')).toHaveTextContent('$48.00');
    expect(row('ranker-shadow')).toHaveTextContent('12 in 24 h');
    expect(row('churn-serverless')).toHaveTextContent('3 in 24 h');
    // Only an endpoint that scales to zero has a saving to show.
    expect(row('churn-serverless')).toHaveTextContent('$0.503 in 24 h$2.40');
    expect(row('h100-reserved')).not.toHaveTextContent('$2.40');
  });

  it('reads the month and team from the URL and asks for them', async () => {
    const api = costApi({
      getCostSummary: jest.fn(async () => ({
        ...summary,
        month: '2026-10',
      })),
    });
    await renderCost(
      api,
      `/ml/cost?team=${encodeURIComponent(vision)}&month=2026-10`,
    );

    await screen.findByRole('region', { name: 'Spend in October 2026' });
    expect(api.getCostSummary).toHaveBeenCalledWith({
      month: '2026-10',
      team: vision,
    });
    expect(api.getCostRecommendations).toHaveBeenCalledWith({ team: vision });
    expect(screen.getByLabelText('Month')).toHaveValue('2026-10');
    expect(screen.getByLabelText('Team')).toHaveValue(vision);

    fireEvent.change(screen.getByLabelText('Month'), {
      target: { value: '2026-09' },
    });
    await waitFor(() =>
      expect(api.getCostSummary).toHaveBeenLastCalledWith({
        month: '2026-09',
        team: vision,
      }),
    );
  });

  it('filters to a typed team, completed into a group ref', async () => {
    // The team field is debounced: waitFor moves the fake clock until it fires.
    jest.useFakeTimers();
    const api = costApi();
    await renderCost(api);
    await screen.findByRole('table', { name: 'budgets' });

    fireEvent.change(screen.getByLabelText('Team'), {
      target: { value: 'recsys' },
    });
    await waitFor(() =>
      expect(api.getCostSummary).toHaveBeenLastCalledWith({
        month: '2026-11',
        team: recsys,
      }),
    );
  });

  it('filters to a team from its link in a table, keeping the month', async () => {
    const api = costApi();
    await renderCost(api, '/ml/cost?month=2026-10');
    const budgets = await screen.findByRole('table', { name: 'budgets' });

    fireEvent.click(within(budgets).getByRole('link', { name: 'recsys' }));

    await waitFor(() =>
      expect(api.getCostSummary).toHaveBeenLastCalledWith({
        month: '2026-10',
        team: recsys,
      }),
    );
    expect(screen.getByLabelText('Team')).toHaveValue(recsys);
  });

  it('offers the last twelve months', async () => {
    await renderCost(costApi());
    await screen.findByRole('table', { name: 'budgets' });

    const options = within(screen.getByLabelText('Month')).getAllByRole(
      'option',
    );
    expect(options).toHaveLength(12);
    expect(options[0]).toHaveTextContent('November 2026');
    expect(options[11]).toHaveTextContent('December 2025');
  });

  it('says there is no spend yet, and keeps the import and calculator', async () => {
    await renderCost(costApi({ getCostSummary: async () => emptySummary }));

    expect(
      await screen.findByText('No GPU spend recorded in November 2026'),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('region', { name: 'Spot savings' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByText(/No budget is set for this month/),
    ).toBeInTheDocument();
    expect(screen.getByText(/Nothing sat idle this month/)).toBeInTheDocument();
    expect(
      screen.getByText(/No bill is imported for November 2026/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('form', { name: 'import bill' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('form', { name: 'build vs buy' }),
    ).toBeInTheDocument();
  });

  it('shows the error when the summary cannot be loaded', async () => {
    await renderCost(
      costApi({
        getCostSummary: async () => {
          throw await badRequest('month: expected YYYY-MM');
        },
      }),
    );

    expect(
      await screen.findByText(/Could not load the cost summary/),
    ).toBeInTheDocument();
    expect(screen.getByText('month: expected YYYY-MM')).toBeInTheDocument();
    expect(
      screen.queryByRole('form', { name: 'import bill' }),
    ).not.toBeInTheDocument();
  });

  describe('bill import', () => {
    const chooseFile = (content: string) =>
      fireEvent.change(screen.getByLabelText('Bill file'), {
        // jsdom's File cannot read itself back; Node's can.
        target: { files: [new NodeFile([content], 'cur.csv')] },
      });

    it('sends the chosen format and file, shows the counts and reloads', async () => {
      const result: CostImportResult = {
        source: 'aws-cur',
        rows: 120,
        months: ['2026-10'],
        added: 100,
        changed: 15,
        unchanged: 5,
      };
      const api = costApi({ importBill: jest.fn(async () => result) });
      await renderCost(api);
      const form = await screen.findByRole('form', { name: 'import bill' });
      const importButton = within(form).getByRole('button', { name: 'Import' });
      expect(importButton).toBeDisabled();

      fireEvent.change(within(form).getByLabelText('Format'), {
        target: { value: 'aws-cur' },
      });
      chooseFile('lineItem/UsageStartDate,lineItem/UnblendedCost\n');
      expect(form).toHaveTextContent('cur.csv');
      fireEvent.click(importButton);

      expect(
        await within(form).findByText(
          'Imported 120 rows from aws-cur for October 2026: 100 added, 15 changed, 5 unchanged.',
        ),
      ).toBeInTheDocument();
      expect(api.importBill).toHaveBeenCalledWith({
        format: 'aws-cur',
        content: 'lineItem/UsageStartDate,lineItem/UnblendedCost\n',
      });
      await waitFor(() => expect(api.getCostSummary).toHaveBeenCalledTimes(2));
      // The page stays while it reloads: the result is still shown.
      expect(within(form).getByText(/Imported 120 rows/)).toBeInTheDocument();
    });

    it("shows the server's reason when the file is refused", async () => {
      const api = costApi({
        importBill: jest.fn(async () => {
          throw await badRequest(
            'line 2: lineItem/UnblendedCost is not a number',
          );
        }),
      });
      await renderCost(api);
      const form = await screen.findByRole('form', { name: 'import bill' });

      chooseFile('garbage');
      fireEvent.click(within(form).getByRole('button', { name: 'Import' }));

      expect(await within(form).findByRole('alert')).toHaveTextContent(
        'The file was not imported: line 2: lineItem/UnblendedCost is not a number',
      );
      expect(api.importBill).toHaveBeenCalledWith({
        format: 'opencost',
        content: 'garbage',
      });
      expect(api.getCostSummary).toHaveBeenCalledTimes(1);
    });
  });

  it('downloads the CSV export through the API, not a bare link', async () => {
    const createObjectURL = jest.fn((_blob: Blob) => 'blob:cost');
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function checkDownload(this: HTMLAnchorElement) {
        expect(this.download).toBe('ml-cost-2026-10-vision.csv');
        expect(this.href).toBe('blob:cost');
      });
    const api = costApi();
    await renderCost(
      api,
      `/ml/cost?team=${encodeURIComponent(vision)}&month=2026-10`,
    );

    fireEvent.click(await screen.findByRole('button', { name: 'Export CSV' }));

    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(api.exportCostCsv).toHaveBeenCalledWith({
      month: '2026-10',
      team: vision,
    });
    expect(await createObjectURL.mock.calls[0][0].text()).toBe(
      'team,costUsd\n',
    );
    click.mockRestore();
  });

  describe('build vs buy', () => {
    it('compares the API with the price book GPUs and gives the crossover', async () => {
      await renderCost(costApi());
      const form = await screen.findByRole('form', { name: 'build vs buy' });

      // The price book's first on-demand price, once it has loaded.
      await waitFor(() =>
        expect(
          within(form).getByLabelText('GPU price per hour (USD)'),
        ).toHaveValue('2.5'),
      );
      const result = screen.getByRole('region', {
        name: 'build vs buy result',
      });
      expect(result).toHaveTextContent('API$1,521 a month');
      expect(result).toHaveTextContent('Self-hosted$3,650 a month');
      expect(result).toHaveTextContent(
        'The API is cheaper by $2,129 a month at 50M tokens a day.',
      );
      expect(result).toHaveTextContent(
        'Crossover: 2 replicas cost as much as the API at 120M tokens a day',
      );

      fireEvent.change(within(form).getByLabelText('Price book'), {
        target: { value: '0:spot' },
      });
      expect(
        within(form).getByLabelText('GPU price per hour (USD)'),
      ).toHaveValue('1');
      expect(result).toHaveTextContent('Self-hosted$1,460 a month');
      expect(result).toHaveTextContent('at 48M tokens a day');
    });

    it('asks for numbers where a field is not one', async () => {
      await renderCost(costApi());
      const form = await screen.findByRole('form', { name: 'build vs buy' });

      fireEvent.change(within(form).getByLabelText('Replicas'), {
        target: { value: '0' },
      });

      expect(
        screen.queryByRole('region', { name: 'build vs buy result' }),
      ).not.toBeInTheDocument();
      expect(screen.getByText(/Fill in the marked fields/)).toBeInTheDocument();
      expect(within(form).getByLabelText('Replicas')).toHaveAttribute(
        'aria-invalid',
        'true',
      );
    });
  });
});
