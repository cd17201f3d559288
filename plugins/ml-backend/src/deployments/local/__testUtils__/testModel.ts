import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: the examples' model server runs from here. @internal */
export const REPO_ROOT = resolve(__dirname, '../../../../../..');

/** The example model server's command, as `ml.serving.targets.local.flavors` gives it. @internal */
export const MODEL_SERVER_COMMAND = [
  process.execPath,
  'examples/serving/model_server.ts',
  '--model-dir',
  '{modelDir}',
  '--port',
  '{port}',
];

/**
 * Writes an MLflow model directory of the example's `portal_logistic` flavor into a new
 * temp dir, as the training example logs it: `MLmodel` (after any `flavorsBefore`, which
 * no server here can load) and the weights file it names. Returns the directory and the
 * model's probability for a row.
 *
 * @internal
 */
export async function writeTestModel(model: {
  featureNames: string[];
  coefficients: number[];
  intercept: number;
  flavorsBefore?: string[];
}) {
  const dir = await mkdtemp(join(tmpdir(), 'local-serving-model-'));
  const inputs = model.featureNames.map(name => ({ type: 'double', name }));
  await writeFile(
    join(dir, 'MLmodel'),
    [
      'artifact_path: model',
      'flavors:',
      ...(model.flavorsBefore ?? []).flatMap(f => [
        `  ${f}:`,
        '    loader_module: mlflow.pyfunc.model',
      ]),
      '  portal_logistic:',
      '    weights: coefficients.json',
      '    format_version: 1',
      'model_uuid: 0123456789abcdef0123456789abcdef',
      'signature:',
      `  inputs: '${JSON.stringify(inputs)}'`,
      `  outputs: '[{"type": "double", "name": "probability"}]'`,
      "utc_time_created: '2026-12-03 12:00:00.000000'",
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'coefficients.json'),
    JSON.stringify({
      feature_names: model.featureNames,
      coefficients: model.coefficients,
      intercept: model.intercept,
    }),
  );
  const probability = (...row: number[]) =>
    1 /
    (1 +
      Math.exp(
        -row.reduce(
          (z, v, j) => z + v * model.coefficients[j],
          model.intercept,
        ),
      ));
  return { dir, probability };
}
