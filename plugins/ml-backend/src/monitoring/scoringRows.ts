/** A feature's values, one per sampled row. @internal */
export type Columns = Record<string, Array<number | string | null>>;

type Cell = number | string | null;

/** Prediction column name in samples, drift results and profiles. @internal */
export const PREDICTION_COLUMN = 'prediction';

function cell(value: unknown): Cell {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Positional rows name their features f0, f1, … as MLflow's pyfunc does for arrays. */
const positional = (index: number) => `f${index}`;

/** A row's (feature, value) pairs: by position for an array, by key for an object. */
function rowEntries(record: unknown): Array<readonly [string, unknown]> {
  if (Array.isArray(record)) {
    return record.map((value, i) => [positional(i), value] as const);
  }
  return isRecord(record) ? Object.entries(record) : [];
}

function recordsToColumns(records: unknown[], limit: number): Columns {
  const columns: Columns = {};
  const rows = records.slice(0, limit);
  rows.forEach((record, row) => {
    const entries = rowEntries(record);
    for (const [name, value] of entries) {
      const column = (columns[name] ??= new Array(row).fill(null));
      column.push(cell(value));
    }
    // Features a record lacks are missing in that row.
    for (const column of Object.values(columns)) {
      if (column.length === row) column.push(null);
    }
  });
  return columns;
}

/**
 * The feature rows of an MLflow scoring request (`dataframe_split`, `dataframe_records`,
 * `instances` or `inputs`, as `mlflow models serve` takes them) as columns, at most
 * `limit` rows; undefined for a body in none of those shapes. Linear in the body.
 *
 * @internal
 */
export function scoringInputColumns(
  body: unknown,
  limit: number,
): { columns: Columns; rows: number } | undefined {
  if (!isRecord(body)) return undefined;
  let columns: Columns | undefined;
  const split = body.dataframe_split;
  if (isRecord(split) && Array.isArray(split.data)) {
    const names = Array.isArray(split.columns)
      ? split.columns.map(String)
      : undefined;
    columns = recordsToColumns(
      split.data
        .slice(0, limit)
        .map(row =>
          Array.isArray(row) && names
            ? Object.fromEntries(names.map((n, i) => [n, row[i]]))
            : row,
        ),
      limit,
    );
  } else if (Array.isArray(body.dataframe_records)) {
    columns = recordsToColumns(body.dataframe_records, limit);
  } else if (Array.isArray(body.instances)) {
    columns = recordsToColumns(body.instances, limit);
  } else if (Array.isArray(body.inputs)) {
    columns = recordsToColumns(body.inputs, limit);
  } else if (isRecord(body.inputs)) {
    // Column-oriented: { feature: [values…] }.
    columns = {};
    for (const [name, values] of Object.entries(body.inputs)) {
      if (Array.isArray(values)) {
        columns[name] = values.slice(0, limit).map(cell);
      }
    }
  }
  if (!columns) return undefined;
  const rows = Math.max(0, ...Object.values(columns).map(c => c.length));
  return { columns, rows };
}

/**
 * The predictions of a scoring response (`{"predictions": [...]}` or a bare array), one
 * per row: a number or label, or the first value of a per-row array or object.
 *
 * @internal
 */
export function scoringPredictions(
  body: unknown,
  limit: number,
): Cell[] | undefined {
  let list: unknown[] | undefined;
  if (Array.isArray(body)) list = body;
  else if (isRecord(body) && Array.isArray(body.predictions)) {
    list = body.predictions;
  }
  return list?.slice(0, limit).map(value => {
    if (Array.isArray(value)) return cell(value[0]);
    if (isRecord(value)) return cell(Object.values(value)[0]);
    return cell(value);
  });
}

/** Input columns plus the prediction column, rows aligned. @internal */
export function sampleColumns(
  request: unknown,
  response: unknown,
  limit: number,
): { columns: Columns; rows: number } | undefined {
  const inputs = scoringInputColumns(request, limit);
  if (!inputs || inputs.rows === 0) return undefined;
  const predictions = scoringPredictions(response, inputs.rows);
  if (predictions && predictions.length === inputs.rows) {
    inputs.columns[PREDICTION_COLUMN] = predictions;
  }
  return inputs;
}
