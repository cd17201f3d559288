import { BudgetStatus, SetBudgetRequest } from '@ml-portal/plugin-ml-common';

/** The budget dialog's fields as typed. @internal */
export type BudgetForm = {
  /** The monthly amount in USD. */
  amount: string;
  /** Alert thresholds in percent of the amount, comma-separated: `80, 100`. */
  alertAt: string;
  hard: boolean;
};

const MAX_USD = 1_000_000_000;
const MAX_THRESHOLDS = 10;

/** A team's budget as the dialog's fields; a new budget alerts at 80% and 100%. @internal */
export function budgetForm(budget?: BudgetStatus): BudgetForm {
  if (!budget) return { amount: '', alertAt: '80, 100', hard: false };
  return {
    amount: String(budget.amountMicros / 1_000_000),
    alertAt: budget.thresholds.map(t => String(Math.round(t * 100))).join(', '),
    hard: budget.hard,
  };
}

/**
 * The request the fields say, or what is wrong with each: a positive amount, and up to
 * ten thresholds between 1% and 200% of it.
 *
 * @internal
 */
export function budgetRequest(form: BudgetForm): {
  request?: SetBudgetRequest;
  errors: Partial<Record<'amount' | 'alertAt', string>>;
} {
  const errors: Partial<Record<'amount' | 'alertAt', string>> = {};
  const amount = Number(form.amount.trim().replace(/^\$/, ''));
  if (!form.amount.trim() || !(amount > 0) || amount > MAX_USD) {
    errors.amount = 'A positive amount in USD';
  }
  const parts = form.alertAt
    .split(',')
    .map(part => part.trim().replace(/%$/, ''))
    .filter(Boolean);
  const percents = parts.map(Number);
  if (
    parts.length > MAX_THRESHOLDS ||
    percents.some(p => !Number.isFinite(p) || p <= 0 || p > 200)
  ) {
    errors.alertAt = `Up to ${MAX_THRESHOLDS} percentages from 1 to 200, e.g. 80, 100`;
  }
  if (Object.keys(errors).length) return { errors };
  return {
    request: {
      monthlyUsd: amount,
      alertAt: [...new Set(percents)].sort((a, b) => a - b).map(p => p / 100),
      hard: form.hard,
    },
    errors,
  };
}
