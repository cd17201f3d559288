/**
 * Cost as the portal API and pages speak it; the shapes are the OpenAPI document's
 * (the ml backend's `src/schema/openapi.yaml`), where each field is described.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/**
 * Money is integer micro-dollars (1 USD = 1,000,000): sums of many small amounts never
 * drift, and every figure the API returns adds up exactly.
 *
 * @public
 */
export type Micros = number;

/** @public */
export const MICROS_PER_USD = 1_000_000;

/** A team's budget for a month and where its spend stands. @public */
export type BudgetStatus = Schemas['BudgetStatus'];

/** A team's monthly budget and where it was set (API or config). @public */
export type BudgetSetting = Schemas['BudgetSetting'];

/** The body that sets a team's budget. @public */
export type SetBudgetRequest = Schemas['SetBudgetRequest'];

/** One slice of spend: cost by a set of dimensions. @public */
export type SpendRow = Schemas['SpendRow'];

/** What spend paid for: training, serving endpoints or storage. @public */
export type SpendSource = Schemas['SpendSource'];

/** A model version's cost: its lineage's training plus its serving. @public */
export type ModelVersionCost = Schemas['ModelVersionCost'];

/** An MLflow 3 logged model's cost: the training runs in its lineage. @public */
export type LoggedModelCost = Schemas['LoggedModelCost'];

/** A job, run or experiment ranked by spend. @public */
export type SpendItem = Schemas['SpendItem'];

/** Something paid for and not used. @public */
export type IdleResource = Schemas['IdleResource'];

/** Billed (imported) against estimated spend, per team and month. @public */
export type Reconciliation = Schemas['Reconciliation'];

/** The managers' cost page in one answer. @public */
export type CostSummary = Schemas['CostSummary'];

/** A suggestion that saves money, from the jobs' own records. @public */
export type CostRecommendation = Schemas['CostRecommendation'];

/** A price of the price book, as the API shows it. @public */
export type GpuPrice = Schemas['GpuPrice'];

/** Result of importing a bill or an allocation export. @public */
export type CostImportResult = Schemas['CostImportResult'];

/** A bill or allocation export as JSON: `POST /api/ml/cost/imports`. @public */
export type CostImportRequest = Schemas['CostImportRequest'];
