/**
 * The example logistic-regression model as an MLflow model directory: the training
 * scripts log it (`modelFiles`, written in the New training project skeleton's
 * `mlflow_model.ts` and re-exported here), the model server and the batch scorer load
 * it (`loadModel`) and score with the same code (`parseScoringInput`, `predict`). Uses
 * only node: built-ins, so it runs with plain `node` (type stripping).
 *
 * The directory holds `MLmodel` (MLflow's YAML: flavors, signature, uuid, creation time)
 * and `weights.json` (feature names, coefficients, intercept). The flavor is
 * `portal_logistic`; it carries no `python_function` flavor, because there is no Python
 * loader for it and MLflow's own tools would fail to load one that claimed to be.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The writer is shared with the New training project template's skeleton, which
// Scaffolder can only copy from inside the template's folder.
import {
  FLAVOR,
  WEIGHTS_FILE,
  modelFiles,
} from '../templates/training-project/skeleton/mlflow_model.ts';
import type { LogisticModel } from '../templates/training-project/skeleton/mlflow_model.ts';

export { FLAVOR, modelFiles };
export type { LogisticModel };

/**
 * The scalar settings of each flavor in an `MLmodel` file. A reader for the block
 * mappings MLflow writes, enough to find a flavor and its files without a YAML library
 * (the examples use node: built-ins only); nested values are skipped.
 */
export function readFlavors(
  mlmodel: string,
): Record<string, Record<string, string>> {
  const flavors: Record<string, Record<string, string>> = {};
  const lines = mlmodel.split(/\r?\n/);
  const start = lines.findIndex(line => /^flavors:\s*$/.test(line));
  if (start < 0) return flavors;
  let flavorIndent = -1;
  let current: Record<string, string> | undefined;
  for (const line of lines.slice(start + 1)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) break;
    const match = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key, value] = match;
    if (flavorIndent < 0) flavorIndent = indent;
    if (indent === flavorIndent) {
      current = {};
      flavors[key] = current;
    } else if (current && value && value !== '|' && value !== '>') {
      current[key] = value.replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return flavors;
}

/** Loads the model of an MLflow model directory written by `modelFiles`. */
export function loadModel(modelDir: string): LogisticModel {
  const flavors = readFlavors(readFileSync(join(modelDir, 'MLmodel'), 'utf8'));
  const flavor = flavors[FLAVOR];
  if (!flavor) {
    throw new Error(
      `${modelDir}/MLmodel has no ${FLAVOR} flavor (flavors: ${
        Object.keys(flavors).join(', ') || 'none'
      })`,
    );
  }
  const raw = JSON.parse(
    readFileSync(join(modelDir, flavor.weights ?? WEIGHTS_FILE), 'utf8'),
  );
  const { feature_names: featureNames, coefficients, intercept } = raw;
  if (
    !Array.isArray(featureNames) ||
    !Array.isArray(coefficients) ||
    featureNames.length !== coefficients.length ||
    !coefficients.every((c: unknown) => typeof c === 'number') ||
    typeof intercept !== 'number'
  ) {
    throw new Error(
      `${modelDir}/${
        flavor.weights ?? WEIGHTS_FILE
      } is not a ${FLAVOR} weights file`,
    );
  }
  return { featureNames, coefficients, intercept };
}

/** Probability of the positive class for each row (rows in the model's feature order). */
export function predict(model: LogisticModel, rows: number[][]): number[] {
  return rows.map(row => {
    const z = row.reduce(
      (sum, v, j) => sum + v * model.coefficients[j],
      model.intercept,
    );
    return 1 / (1 + Math.exp(-z));
  });
}

/** Bad scoring input: the server answers 400 BAD_REQUEST with its message. */
export class ScoringInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoringInputError';
  }
}

const INPUT_FIELDS = [
  'dataframe_split',
  'dataframe_records',
  'instances',
  'inputs',
];

function toNumber(value: unknown, where: string): number {
  const n =
    typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new ScoringInputError(
      `${where}: expected a number, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function positionalRow(
  model: LogisticModel,
  values: unknown[],
  i: number,
): number[] {
  if (values.length !== model.featureNames.length) {
    throw new ScoringInputError(
      `row ${i} has ${values.length} values; the model expects ${
        model.featureNames.length
      } (${model.featureNames.join(', ')})`,
    );
  }
  return values.map((v, j) =>
    toNumber(v, `row ${i}, column ${model.featureNames[j]}`),
  );
}

/** A row given by column name; extra columns are ignored, as MLflow's schema enforcement does. */
function namedRow(
  model: LogisticModel,
  record: Record<string, unknown>,
  i: number,
): number[] {
  const missing = model.featureNames.filter(name => !(name in record));
  if (missing.length) {
    throw new ScoringInputError(
      `Model is missing inputs ${JSON.stringify(missing)} in row ${i}`,
    );
  }
  return model.featureNames.map(name =>
    toNumber(record[name], `row ${i}, column ${name}`),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rows of `instances`/`inputs`: a list of rows (lists or records), or columns by name. */
function tensorRows(
  model: LogisticModel,
  value: unknown,
  field: string,
): number[][] {
  if (isRecord(value)) {
    const columns = model.featureNames.map(name => value[name]);
    const missing = model.featureNames.filter(
      (_, j) => !Array.isArray(columns[j]),
    );
    if (missing.length) {
      throw new ScoringInputError(
        `Model is missing inputs ${JSON.stringify(missing)} in ${field}`,
      );
    }
    const length = (columns[0] as unknown[]).length;
    return Array.from({ length }, (_, i) =>
      model.featureNames.map((name, j) =>
        toNumber((columns[j] as unknown[])[i], `row ${i}, column ${name}`),
      ),
    );
  }
  if (!Array.isArray(value)) {
    throw new ScoringInputError(
      `${field} must be a list of rows or an object of columns`,
    );
  }
  return value.map((row, i) => {
    if (Array.isArray(row)) return positionalRow(model, row, i);
    if (isRecord(row)) return namedRow(model, row, i);
    if (model.featureNames.length === 1) return positionalRow(model, [row], i);
    throw new ScoringInputError(`${field}[${i}] must be a list or an object`);
  });
}

/**
 * The rows of an MLflow scoring request body (`application/json`): exactly one of
 * `dataframe_split`, `dataframe_records`, `instances`, `inputs` (and optionally
 * `params`), as MLflow 2.x/3.x scoring servers accept.
 */
export function parseJsonInput(
  model: LogisticModel,
  body: unknown,
): number[][] {
  if (!isRecord(body)) {
    throw new ScoringInputError('The request body must be a JSON object');
  }
  const fields = Object.keys(body).filter(key => INPUT_FIELDS.includes(key));
  const unknown = Object.keys(body).filter(
    key => !INPUT_FIELDS.includes(key) && key !== 'params',
  );
  if (fields.length !== 1 || unknown.length) {
    throw new ScoringInputError(
      `The input must be a JSON dictionary with exactly one of the input fields ${JSON.stringify(
        INPUT_FIELDS,
      )}. ` +
        `Received dictionary with input fields: ${JSON.stringify(
          Object.keys(body),
        )}.`,
    );
  }
  const [field] = fields;
  const value = body[field];
  if (field === 'dataframe_split') {
    if (!isRecord(value) || !Array.isArray(value.data)) {
      throw new ScoringInputError(
        'dataframe_split must be an object with a data list (and columns)',
      );
    }
    const { columns, data } = value;
    return data.map((row, i) => {
      if (!Array.isArray(row))
        throw new ScoringInputError(
          `dataframe_split.data[${i}] must be a list`,
        );
      if (!Array.isArray(columns)) return positionalRow(model, row, i);
      if (row.length !== columns.length) {
        throw new ScoringInputError(
          `dataframe_split.data[${i}] has ${row.length} values for ${columns.length} columns`,
        );
      }
      return namedRow(
        model,
        Object.fromEntries(columns.map((c, j) => [String(c), row[j]])),
        i,
      );
    });
  }
  if (field === 'dataframe_records') {
    if (!Array.isArray(value))
      throw new ScoringInputError(
        'dataframe_records must be a list of records',
      );
    return value.map((record, i) => {
      if (!isRecord(record))
        throw new ScoringInputError(
          `dataframe_records[${i}] must be an object`,
        );
      return namedRow(model, record, i);
    });
  }
  return tensorRows(model, value, field);
}

/** Splits one CSV line (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** A CSV reader fed line by line: the first line is the header of column names. */
export function csvRowReader(model: LogisticModel) {
  let header: string[] | undefined;
  let index = 0;
  return {
    get header() {
      return header;
    },
    /** The row's values in feature order, or undefined for the header and blank lines. */
    read(line: string): { fields: string[]; row: number[] } | undefined {
      if (!line.trim()) return undefined;
      const fields = csvFields(line.replace(/\r$/, ''));
      if (!header) {
        header = fields.map(f => f.trim());
        return undefined;
      }
      if (fields.length !== header.length) {
        throw new ScoringInputError(
          `CSV row ${index} has ${fields.length} fields for ${header.length} columns`,
        );
      }
      const record = Object.fromEntries(
        header.map((name, j) => [name, fields[j]]),
      );
      return { fields, row: namedRow(model, record, index++) };
    },
  };
}

/** The rows of a `text/csv` body with a header line. */
export function parseCsvInput(model: LogisticModel, text: string): number[][] {
  const reader = csvRowReader(model);
  const rows: number[][] = [];
  for (const line of text.split('\n')) {
    const parsed = reader.read(line);
    if (parsed) rows.push(parsed.row);
  }
  return rows;
}
