/**
 * The example model's MLflow model directory, as a training script writes it: `MLmodel`
 * (MLflow's YAML: flavors, signature, uuid, creation time) and `weights.json` (feature
 * names, coefficients, intercept), in the `portal_logistic` flavor that the portal's
 * example model server (examples/serving/model_server.ts) loads and the local serving
 * target maps to it. Node built-ins only, so it runs with plain `node`.
 *
 * The one copy of this writer lives here, in the New training project skeleton, because
 * Scaffolder's fetch reads a file location's template only from inside its own folder;
 * the portal's example training script and model loader (examples/serving/model.ts)
 * import it from here.
 */

import { randomUUID } from 'node:crypto';

/** The flavor name in `MLmodel`, and what serving config maps to a command. */
export const FLAVOR = 'portal_logistic';
export const WEIGHTS_FILE = 'weights.json';

export type LogisticModel = {
  featureNames: string[];
  coefficients: number[];
  intercept: number;
};

/**
 * The files of the model directory, by name (`MLmodel` and the weights), and the
 * model's info as MLflow's `log_model` sends it to `runs/log-model`.
 */
export function modelFiles(
  model: LogisticModel,
  meta: { runId?: string; artifactPath: string; now?: Date },
): { files: Record<string, string>; info: Record<string, unknown> } {
  const now = meta.now ?? new Date();
  // MLflow writes `YYYY-MM-DD HH:MM:SS.ffffff` in UTC.
  const created = `${now.toISOString().replace('T', ' ').replace('Z', '')}000`;
  const modelUuid = randomUUID().replace(/-/g, '');
  const inputs = model.featureNames.map(name => ({
    type: 'double',
    name,
    required: true,
  }));
  const outputs = [{ type: 'double', name: 'probability', required: true }];
  // MLflow stores the signature's schemas as JSON strings inside the YAML (single-quoted,
  // where a quote is doubled).
  const quoted = (value: unknown) =>
    `'${JSON.stringify(value).replace(/'/g, "''")}'`;
  const mlmodel = [
    `artifact_path: ${meta.artifactPath}`,
    'flavors:',
    `  ${FLAVOR}:`,
    `    weights: ${WEIGHTS_FILE}`,
    '    format_version: 1',
    '    predict_fn: predict_proba',
    '    loader: examples/serving/model.ts',
    '    runtime: node',
    `    runtime_version: ${process.versions.node}`,
    `model_uuid: ${modelUuid}`,
    ...(meta.runId ? [`run_id: ${meta.runId}`] : []),
    'signature:',
    `  inputs: ${quoted(inputs)}`,
    `  outputs: ${quoted(outputs)}`,
    '  params: null',
    `utc_time_created: '${created}'`,
    '',
  ].join('\n');
  const weights = JSON.stringify(
    {
      feature_names: model.featureNames,
      coefficients: model.coefficients,
      intercept: model.intercept,
    },
    null,
    2,
  );
  return {
    files: { MLmodel: mlmodel, [WEIGHTS_FILE]: weights },
    info: {
      run_id: meta.runId,
      artifact_path: meta.artifactPath,
      utc_time_created: created,
      model_uuid: modelUuid,
      flavors: { [FLAVOR]: { weights: WEIGHTS_FILE, format_version: 1 } },
    },
  };
}
