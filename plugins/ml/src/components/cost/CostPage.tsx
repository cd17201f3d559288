import {
  Content,
  ContentHeader,
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';
import {
  BudgetStatus,
  CostSummary,
  mlBudgetUpdatePermission,
} from '@ml-portal/plugin-ml-common';
import { useEffect, useId, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { LIVE_REFRESH_MS } from '../common/usePolledAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { BudgetBurnDown } from './BudgetBurnDown';
import { BudgetDialog } from './BudgetDialog';
import { BudgetHolds, BudgetsTable } from './BudgetsTable';
import { BuildVsBuyCalculator } from './BuildVsBuyCalculator';
import { CostHeadline } from './CostHeadline';
import { CsvExportButton } from './CsvExportButton';
import { IdleResources } from './IdleResources';
import { ImportBillForm } from './ImportBillForm';
import { formatMonth, isMonth, monthOf, monthsUpTo } from './months';
import { ReconciliationTable } from './Reconciliation';
import { Recommendations } from './Recommendations';
import { SpendBySource } from './SpendBySource';
import { SpendTrendChart } from './SpendTrendChart';
import { teamName, teamRef } from '../common/teams';
import { TopSpendTable } from './TopSpendTable';

/** Months the selector offers, the current one first. @internal */
export const SELECTABLE_MONTHS = 12;
/** Months the trend chart shows, ending with the selected one. @internal */
export const TREND_MONTHS = 6;

/** Whether any GPU time was paid for in the month or the months of the trend. */
function hasSpend(summary: CostSummary) {
  return [...summary.teams, ...summary.trend].some(
    row => row.costMicros > 0 || row.gpuSeconds > 0,
  );
}

/**
 * The month and team the page shows, kept in the URL (`?month=2026-11&team=
 * group:default/ml-research`) so a filtered page can be linked to.
 */
function useCostFilters(currentMonth: string) {
  const [search, setSearch] = useSearchParams();
  const monthParam = search.get('month');
  const month = isMonth(monthParam) ? monthParam : currentMonth;
  const team = search.get('team') ?? '';
  const setFilters = (next: { month?: string; team?: string }) => {
    const params = new URLSearchParams();
    const nextTeam = next.team ?? team;
    const nextMonth = next.month ?? month;
    if (nextTeam) params.set('team', nextTeam);
    if (nextMonth !== currentMonth) params.set('month', nextMonth);
    setSearch(params, { replace: true });
  };
  return { month, team, setFilters };
}

function CostFilters(props: {
  month: string;
  team: string;
  months: string[];
  onChange: (next: { month?: string; team?: string }) => void;
}) {
  const { month, team, months, onChange } = props;
  const monthId = useId();
  const teamId = useId();
  const [teamDraft, setTeamDraft] = useState(team);
  // A team link on the page changes the URL: show its team in the field, but
  // leave what is being typed alone (`recsys` stays, not `group:default/recsys`).
  useEffect(
    () => setTeamDraft(draft => (teamRef(draft) === team ? draft : team)),
    [team],
  );
  useDebounce(
    () => {
      const ref = teamRef(teamDraft);
      if (ref !== team) onChange({ team: ref });
    },
    400,
    [teamDraft],
  );
  const options = months.includes(month) ? months : [month, ...months];
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
      <TextField
        id={monthId}
        select
        size="small"
        label="Month"
        value={month}
        onChange={event => onChange({ month: event.target.value })}
        SelectProps={{ native: true }}
      >
        {options.map(m => (
          <option key={m} value={m}>
            {formatMonth(m)}
          </option>
        ))}
      </TextField>
      <TextField
        id={teamId}
        size="small"
        label="Team"
        placeholder="All teams"
        value={teamDraft}
        onChange={event => setTeamDraft(event.target.value)}
        helperText={team ? team : 'A group, e.g. ml-research'}
      />
    </Box>
  );
}

/** The month's budgets; the platform team (ml.budget.update) sets them from here. */
function BudgetsCard(props: {
  budgets: BudgetStatus[];
  month: string;
  onSaved: () => void;
}) {
  const { allowed: maySet } = usePermission({
    permission: mlBudgetUpdatePermission,
  });
  // undefined: closed; null: a team without a budget yet.
  const [editing, setEditing] = useState<BudgetStatus | null>();
  return (
    <InfoCard
      title="Budgets"
      subheader={formatMonth(props.month)}
      action={
        maySet ? (
          <Button onClick={() => setEditing(null)}>Set a team's budget</Button>
        ) : undefined
      }
    >
      <BudgetsTable
        budgets={props.budgets}
        onEdit={maySet ? setEditing : undefined}
      />
      {editing !== undefined && (
        <BudgetDialog
          budget={editing ?? undefined}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            props.onSaved();
          }}
        />
      )}
    </InfoCard>
  );
}

function CostContent(props: {
  summary: CostSummary;
  team: string;
  now: Date;
  /** A bill was imported or a budget set: the summary loads again. */
  onChanged: () => void;
}) {
  const { summary, team, now, onChanged } = props;
  const month = summary.month;
  const spent = hasSpend(summary);
  const whose = team ? ` for ${teamName(team)}` : '';
  return (
    <Grid container spacing={3}>
      {summary.budgets.some(budget => budget.holding) && (
        <Grid item xs={12}>
          <BudgetHolds budgets={summary.budgets} />
        </Grid>
      )}
      {spent ? (
        <>
          <Grid item xs={12}>
            <CostHeadline summary={summary} />
          </Grid>
          <Grid item xs={12}>
            <InfoCard
              title="Training and serving"
              subheader={`Spend per team in ${formatMonth(
                month,
              )}, by what it paid for`}
            >
              <SpendBySource rows={summary.sources} />
            </InfoCard>
          </Grid>
          <Grid item xs={12}>
            <InfoCard
              title="Spend per month"
              subheader="Per team, by GPU type, spot and on demand"
            >
              <SpendTrendChart
                trend={summary.trend}
                months={monthsUpTo(month, TREND_MONTHS)}
              />
            </InfoCard>
          </Grid>
          <Grid item xs={12} lg={6}>
            <InfoCard
              title="Budget burn-down"
              subheader={`Cumulative spend in ${formatMonth(month)}`}
            >
              <BudgetBurnDown
                month={month}
                daily={summary.daily}
                budgets={summary.budgets}
                now={now}
              />
            </InfoCard>
          </Grid>
          <Grid item xs={12} lg={6}>
            <InfoCard
              title="Top spend"
              subheader={`The costliest in ${formatMonth(month)}`}
            >
              <TopSpendTable items={summary.top} />
            </InfoCard>
          </Grid>
        </>
      ) : (
        <Grid item xs={12}>
          <EmptyState
            missing="data"
            title={`No GPU spend recorded${whose} in ${formatMonth(month)}`}
            description="Spend appears here once training jobs have run or endpoints have served: each job's GPU time and each endpoint's replica-hours, priced by the price book, per team, GPU type and spot or on-demand capacity. Budgets, recommendations and imported bills below still apply."
          />
        </Grid>
      )}
      <Grid item xs={12}>
        <BudgetsCard
          budgets={summary.budgets}
          month={month}
          onSaved={onChanged}
        />
      </Grid>
      <Grid item xs={12}>
        <Recommendations team={team || undefined} />
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Idle resources" subheader="Paid for and not used">
          <IdleResources
            idle={
              // Shared resources (no team) concern every team.
              team
                ? summary.idle.filter(r => !r.team || r.team === team)
                : summary.idle
            }
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard
          title="Reconciliation"
          subheader="Billed against estimated spend, per team"
        >
          <ReconciliationTable rows={summary.reconciliation} month={month} />
          <Box sx={{ mt: 3 }}>
            <ImportBillForm onImported={onChanged} />
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <BuildVsBuyCalculator />
      </Grid>
    </Grid>
  );
}

/**
 * The Cost tab, for managers: a month's GPU spend per team, its trend,
 * budgets and their burn-down, what cost the most, what sat idle, billed
 * against estimated spend, savings to make, and build vs buy.
 *
 * @internal
 */
export function CostPage(props: { now?: Date }) {
  const now = props.now ?? new Date();
  const currentMonth = monthOf(now);
  const mlApi = useApi(mlApiRef);
  const { month, team, setFilters } = useCostFilters(currentMonth);
  // Each answer is tagged with the filters it is for: when they change, the
  // last answer shows until the new one arrives only if it is for them (a
  // refresh after an import), never another month's figures.
  const filtersKey = `${month} ${team}`;
  const state = useAsyncRetry(async () => {
    try {
      const summary = await mlApi.getCostSummary({
        month,
        team: team || undefined,
      });
      return { filtersKey, summary };
    } catch (error) {
      return { filtersKey, error: error as Error };
    }
  }, [mlApi, month, team]);
  // Jobs are metered as they end: the figures follow without a reload.
  useInterval(state.retry, state.loading ? null : LIVE_REFRESH_MS);
  const current =
    state.value?.filtersKey === filtersKey ? state.value : undefined;

  let content;
  if (current?.summary) {
    content = (
      <CostContent
        summary={current.summary}
        team={team}
        now={now}
        onChanged={state.retry}
      />
    );
  } else if (current?.error) {
    content = (
      <ResponseErrorPanel
        error={current.error}
        title="Could not load the cost summary"
      />
    );
  } else {
    content = <Progress />;
  }

  return (
    <Content>
      <ContentHeader title="Cost">
        <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 2 }}>
          <CostFilters
            month={month}
            team={team}
            months={monthsUpTo(currentMonth, SELECTABLE_MONTHS).reverse()}
            onChange={setFilters}
          />
          <CsvExportButton month={month} team={team || undefined} />
        </Box>
      </ContentHeader>
      {content}
    </Content>
  );
}
