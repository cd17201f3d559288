import { TeamQuotas } from '@ml-portal/plugin-ml-common';

type TeamQuota = TeamQuotas['quotas'][number];

/** The quota dialog's fields: per pool the GPUs as typed, blank for no quota there. */
export type QuotaForm = Record<string, { nominal: string; borrowing: string }>;

/** The most GPUs one quota may name (the API's bound). */
const MAX_GPUS = 100_000;

/** A team's quotas as the dialog's fields, every pool listed. @internal */
export function quotaForm(pools: string[], current: TeamQuota[]): QuotaForm {
  const form: QuotaForm = {};
  for (const pool of pools) {
    const quota = current.find(q => q.pool === pool);
    form[pool] = {
      nominal: quota ? String(quota.nominalGpus) : '',
      borrowing: quota ? String(quota.borrowingLimitGpus ?? 0) : '',
    };
  }
  return form;
}

const gpus = (text: string) =>
  /^\d{1,6}$/.test(text.trim()) && Number(text) <= MAX_GPUS
    ? Number(text)
    : undefined;

/**
 * The quotas the fields say, or what is wrong with them per pool: a pool with a blank
 * guaranteed count has no quota; counts are whole GPUs; borrowing needs a quota.
 *
 * @internal
 */
export function quotaRequest(form: QuotaForm): {
  quotas?: TeamQuota[];
  errors: Record<string, string>;
} {
  const quotas: TeamQuota[] = [];
  const errors: Record<string, string> = {};
  for (const [pool, { nominal, borrowing }] of Object.entries(form)) {
    if (!nominal.trim()) {
      if (borrowing.trim() && borrowing.trim() !== '0') {
        errors[pool] = 'Borrowing needs a guaranteed count';
      }
      continue;
    }
    const nominalGpus = gpus(nominal);
    const borrowingLimitGpus = borrowing.trim() ? gpus(borrowing) : 0;
    if (nominalGpus === undefined || borrowingLimitGpus === undefined) {
      errors[pool] = `Whole GPUs, 0 to ${MAX_GPUS.toLocaleString('en-US')}`;
      continue;
    }
    quotas.push({ pool, nominalGpus, borrowingLimitGpus });
  }
  return Object.keys(errors).length ? { errors } : { quotas, errors };
}

/** A team's quotas in a line: `a100: 8 GPUs (+4 borrowed)` per pool. @internal */
export function quotaText(quotas: TeamQuota[]): string {
  if (quotas.length === 0) return 'No quota';
  return quotas
    .map(
      q =>
        `${q.pool}: ${q.nominalGpus} GPU${q.nominalGpus === 1 ? '' : 's'}${
          q.borrowingLimitGpus ? ` (+${q.borrowingLimitGpus} borrowed)` : ''
        }`,
    )
    .join(', ');
}
