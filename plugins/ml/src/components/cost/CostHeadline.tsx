import Grid from '@mui/material/Grid';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { CostSummary } from '@ml-portal/plugin-ml-common';
import { ReactNode } from 'react';
import { totalSpend } from './costSeries';
import { formatGpuHours, formatMoney, formatShare } from './money';
import { formatMonth } from './months';

function Figure(props: { title: string; value: string; detail: ReactNode }) {
  return (
    <Paper
      component="section"
      aria-label={props.title}
      variant="outlined"
      sx={{ p: 2, height: '100%' }}
    >
      <Typography variant="overline" color="text.secondary">
        {props.title}
      </Typography>
      <Typography variant="h4" component="p">
        {props.value}
      </Typography>
      <Typography variant="body2" color="text.secondary">
        {props.detail}
      </Typography>
    </Paper>
  );
}

/**
 * The month in three figures: what was spent, what spot capacity saved against
 * the on-demand list price, and where the budgeted teams will end the month.
 *
 * @internal
 */
export function CostHeadline(props: { summary: CostSummary }) {
  const { summary } = props;
  const spend = totalSpend(summary.teams);
  const savedMicros = spend.listCostMicros - spend.costMicros;
  const budgetMicros = summary.budgets.reduce((s, b) => s + b.amountMicros, 0);
  const forecastMicros = summary.budgets.reduce(
    (s, b) => s + b.forecastMicros,
    0,
  );
  const budgeted = summary.budgets.length;

  let forecastDetail: ReactNode;
  if (budgeted === 0) {
    forecastDetail = 'No budget is set for this month.';
  } else {
    const over = forecastMicros > budgetMicros;
    forecastDetail = (
      <Typography
        variant="body2"
        component="span"
        color={over ? 'error' : 'text.secondary'}
      >
        {formatShare(forecastMicros / budgetMicros)} of{' '}
        {formatMoney(budgetMicros, { style: 'rounded' })} budgeted
        {budgeted > 1 ? ` for ${budgeted} teams` : ''}
        {over
          ? `: ${formatMoney(forecastMicros - budgetMicros, {
              style: 'rounded',
            })} over`
          : ''}
      </Typography>
    );
  }

  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={4}>
        <Figure
          title={`Spend in ${formatMonth(summary.month)}`}
          value={formatMoney(spend.costMicros, { style: 'rounded' })}
          detail={formatGpuHours(spend.gpuSeconds)}
        />
      </Grid>
      <Grid item xs={12} md={4}>
        <Figure
          title="Spot savings"
          value={formatMoney(savedMicros, { style: 'rounded' })}
          detail={
            spend.listCostMicros > 0
              ? `${formatShare(
                  savedMicros / spend.listCostMicros,
                )} below the on-demand list price of ${formatMoney(
                  spend.listCostMicros,
                  { style: 'rounded' },
                )}`
              : 'No GPU time was used.'
          }
        />
      </Grid>
      <Grid item xs={12} md={4}>
        <Figure
          title="Forecast to month end"
          value={
            budgeted > 0
              ? formatMoney(forecastMicros, { style: 'rounded' })
              : '—'
          }
          detail={forecastDetail}
        />
      </Grid>
    </Grid>
  );
}
