import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { BudgetStatus, CostSummary } from '@ml-portal/plugin-ml-common';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { MutedText } from '../common/MutedText';
import { useMlPaths } from '../common/mlPaths';
import { groupEntityRef } from '../common/teams';
import { usedShare } from './BudgetsTable';
import { SpendItemLink } from './SpendItemLink';
import { totalSpend } from './costSeries';
import { formatGpuHours, formatMoney, formatShare } from './money';
import { formatMonth, monthOf } from './months';

/** How many of the team's costliest jobs the card lists. @internal */
export const CARD_TOP_JOBS = 5;

function Budget(props: { budget?: BudgetStatus }) {
  const { budget } = props;
  if (!budget) {
    return <MutedText>No budget set for this month.</MutedText>;
  }
  const used = usedShare(budget);
  const over = budget.forecastMicros > budget.amountMicros;
  return (
    <Box>
      <Typography variant="body2">
        {formatShare(used)} of the {budget.hard ? 'hard' : 'soft'} budget of{' '}
        {formatMoney(budget.amountMicros)} spent
      </Typography>
      <LinearProgress
        variant="determinate"
        value={Math.min(100, used * 100)}
        color={used >= 1 ? 'secondary' : 'primary'}
        aria-label="budget used"
        sx={{ height: 8, borderRadius: '4px', my: 0.5 }}
      />
      <Typography variant="body2" color={over ? 'error' : 'text.secondary'}>
        Forecast {formatMoney(budget.forecastMicros)} by the month's end
        {over ? ', over budget' : ''}
      </Typography>
      {budget.holding && (
        <Alert severity="error" sx={{ mt: 1 }}>
          New jobs held for budget: the team's training jobs wait in the queue
          until the budget is raised or the month ends.
        </Alert>
      )}
    </Box>
  );
}

function TopJobs(props: { summary: CostSummary }) {
  const jobs = props.summary.top
    .filter(item => item.kind === 'job')
    .sort((a, b) => b.costMicros - a.costMicros)
    .slice(0, CARD_TOP_JOBS);
  if (jobs.length === 0) return null;
  return (
    <Box sx={{ mt: 2 }}>
      <Typography variant="subtitle2">Top jobs</Typography>
      <Box component="ol" aria-label="top jobs" sx={{ m: 0, pl: 2.5 }}>
        {jobs.map(job => (
          <li key={job.id}>
            <Typography variant="body2">
              <SpendItemLink item={job} /> · {formatMoney(job.costMicros)}
            </Typography>
          </li>
        ))}
      </Box>
    </Box>
  );
}

/**
 * A team's GPU spend this month on its group page: the spend, where it stands
 * against its budget, its costliest jobs, and a link to the cost page filtered
 * to the team.
 *
 * @internal
 */
export function GroupCostCard(props: { now?: Date }) {
  const { entity } = useEntity();
  const team = groupEntityRef(entity);
  const month = monthOf(props.now ?? new Date());
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const { value, loading, error } = useAsync(
    () => mlApi.getCostSummary({ month, team }),
    [mlApi, month, team],
  );

  let content;
  if (loading) {
    content = <Progress />;
  } else if (error) {
    content = (
      <ResponseErrorPanel error={error} title="Could not load the GPU spend" />
    );
  } else {
    const spend = totalSpend(value!.teams);
    const budget = value!.budgets.find(b => b.team.toLowerCase() === team);
    content = (
      <>
        <Typography variant="h4" component="p" aria-label="spend this month">
          {formatMoney(spend.costMicros)}
        </Typography>
        <Typography variant="body2" color="text.secondary" paragraph>
          {spend.gpuSeconds > 0
            ? `${formatGpuHours(spend.gpuSeconds)} in ${formatMonth(month)}`
            : `No GPU time used in ${formatMonth(month)}.`}
        </Typography>
        <Budget budget={budget} />
        <TopJobs summary={value!} />
      </>
    );
  }
  return (
    <InfoCard
      title="GPU spend"
      subheader={formatMonth(month)}
      deepLink={
        paths
          ? { title: 'Cost of this team', link: paths.cost({ team }) }
          : undefined
      }
    >
      {content}
    </InfoCard>
  );
}
