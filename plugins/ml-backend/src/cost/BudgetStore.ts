import { Knex } from 'knex';

/** A team's budget as set through the API (`ml_budgets`). @internal */
export type StoredBudget = {
  team: string;
  monthlyUsd: number;
  alertAt: number[];
  hard: boolean;
  updatedBy?: string;
  updatedAt: number;
};

/** Budgets set through the API; config's are the defaults for teams without one. @internal */
export interface BudgetStore {
  list(): Promise<StoredBudget[]>;
  /** Sets a team's budget, replacing the one it had. */
  put(budget: StoredBudget): Promise<void>;
}

type BudgetRow = {
  team: string;
  monthly_usd: number | string;
  alert_at: string;
  hard: boolean | number;
  updated_by: string | null;
  updated_at: number | string;
};

const toBudget = (row: BudgetRow): StoredBudget => ({
  team: row.team,
  // PostgreSQL returns decimals and bigints as strings.
  monthlyUsd: Number(row.monthly_usd),
  alertAt: JSON.parse(row.alert_at),
  hard: Boolean(row.hard),
  updatedBy: row.updated_by ?? undefined,
  updatedAt: Number(row.updated_at),
});

/** @internal */
export class DatabaseBudgetStore implements BudgetStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }): DatabaseBudgetStore {
    return new DatabaseBudgetStore(options.knex);
  }

  async list(): Promise<StoredBudget[]> {
    const rows: BudgetRow[] = await this.db('ml_budgets').orderBy('team');
    return rows.map(toBudget);
  }

  async put(budget: StoredBudget): Promise<void> {
    await this.db('ml_budgets')
      .insert({
        team: budget.team,
        monthly_usd: budget.monthlyUsd,
        alert_at: JSON.stringify(budget.alertAt),
        hard: budget.hard,
        updated_by: budget.updatedBy ?? null,
        updated_at: budget.updatedAt,
      })
      .onConflict('team')
      .merge();
  }
}
