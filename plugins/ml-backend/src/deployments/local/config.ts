import { resolve } from 'node:path';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * How the `local` serving target starts a model server for one MLmodel flavor: the
 * command and its arguments, where `{modelDir}` and `{port}` are replaced by the
 * model's directory and the port the server must listen on (127.0.0.1).
 *
 * @internal
 */
export type LocalFlavorCommand = { flavor: string; command: string[] };

/**
 * Settings of the `local` serving target, read from `ml.serving.targets.local`.
 *
 * @internal
 */
export type LocalServingSettings = {
  /** In order: a model without a flavor in its spec serves as the first one its MLmodel lists that is here. */
  flavors: LocalFlavorCommand[];
  /** Absolute; the commands run here. */
  workingDirectory: string;
  /** How long a server has to answer `GET /ping` with 200 before its deployment fails. */
  startTimeoutSeconds: number;
  /** Between SIGTERM and SIGKILL when a server is stopped. */
  stopGraceSeconds: number;
};

const FLAVOR_NAME = /^[A-Za-z0-9_.-]+$/;
const KEY = 'ml.serving.targets.local';

function positiveNumber(config: Config, name: string, fallback: number) {
  const value = config.getOptionalNumber(name) ?? fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InputError(
      `${KEY}.${name} must be a positive number of seconds, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `ml.serving.targets.local`; `undefined` when the section is absent. Throws on
 * invalid settings, so a misconfigured target stops the backend at startup rather
 * than failing every deployment.
 *
 * `workingDirectory` is relative to the backend's working directory, as
 * `ml.training.local.workingDirectory` is.
 *
 * @internal
 */
export function readLocalServingSettings(
  config: Config,
): LocalServingSettings | undefined {
  const section = config.getOptionalConfig(KEY);
  // `enabled: false` is how a production config layered over the local one turns it off.
  if (!section || section.getOptionalBoolean('enabled') === false) {
    return undefined;
  }
  const entries = section.getOptionalConfigArray('flavors') ?? [];
  if (!entries.length) {
    throw new InputError(
      `${KEY}.flavors must list at least one { flavor, command }, e.g. { flavor: portal_logistic, command: [node, examples/serving/model_server.ts, --model-dir, '{modelDir}', --port, '{port}'] }`,
    );
  }
  const flavors = entries.map((entry, i) => {
    const flavor = entry.getString('flavor');
    if (!FLAVOR_NAME.test(flavor)) {
      throw new InputError(
        `${KEY}.flavors[${i}].flavor: '${flavor}' is not an MLmodel flavor name`,
      );
    }
    const command = entry.getStringArray('command');
    if (!command.length || !command[0].trim()) {
      throw new InputError(`${KEY}.flavors[${i}].command must name a program`);
    }
    return { flavor, command };
  });
  const names = flavors.map(f => f.flavor);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) {
    throw new InputError(
      `${KEY}.flavors lists the flavor '${duplicate}' twice`,
    );
  }
  return {
    flavors,
    workingDirectory: resolve(
      section.getOptionalString('workingDirectory') ?? '.',
    ),
    startTimeoutSeconds: positiveNumber(section, 'startTimeoutSeconds', 30),
    stopGraceSeconds: positiveNumber(section, 'stopGraceSeconds', 5),
  };
}
