import { Config } from '@backstage/config';
import { AzureMlWorkspace, ENVIRONMENT, readAzureMlWorkspace } from './config';

/**
 * Settings of the `azureml` serving target, read from `ml.serving.targets.azureml`.
 *
 * @public
 */
export type AzureMlServingSettings = AzureMlWorkspace & {
  /**
   * Environment per MLmodel flavor. Flavors without one deploy as MLflow models without
   * an environment (Azure ML's no-code deployment builds one from the model).
   */
  environments: Record<string, string>;
  /** VM size of endpoints that name no instance type, e.g. `Standard_DS3_v2`. */
  instanceType?: string;
};

const KEY = 'ml.serving.targets.azureml';
const FLAVOR = /^[a-z][a-z0-9_.]*$/;
/** An Azure VM size as managed online deployments take it. */
const INSTANCE_TYPE = /^Standard_[A-Za-z0-9_]+$/;

/**
 * Reads `ml.serving.targets.azureml`; `undefined` when the section is absent. The
 * workspace and ARM endpoint follow the compute target's rules. Throws on invalid
 * settings, so a misconfigured target stops the backend at startup.
 *
 * @public
 */
export function readAzureMlServingSettings(
  config: Config,
): AzureMlServingSettings | undefined {
  const section = config.getOptionalConfig(KEY);
  if (!section) {
    return undefined;
  }
  const { matching, ...workspace } = readAzureMlWorkspace(section, KEY);
  const environments: Record<string, string> = {};
  const environmentsSection = section.getOptionalConfig('environments');
  for (const flavor of environmentsSection?.keys() ?? []) {
    if (!FLAVOR.test(flavor)) {
      throw new Error(
        `${KEY}.environments must be keyed by MLmodel flavor names, got '${flavor}'`,
      );
    }
    const environment = environmentsSection!.getString(flavor);
    if (!ENVIRONMENT.test(environment)) {
      throw new Error(
        `${KEY}.environments.${flavor} must be an Azure ML environment (azureml:<name>:<version>, azureml://registries/... or an ARM id), got '${environment}'`,
      );
    }
    environments[flavor] = environment;
  }
  return {
    ...workspace,
    environments,
    instanceType: section.has('instanceType')
      ? matching(
          'instanceType',
          INSTANCE_TYPE,
          'an Azure VM size such as Standard_DS3_v2',
        )
      : undefined,
  };
}
