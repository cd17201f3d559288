/**
 * An approved move of a protected alias, as the promotion flow hands it to deployments:
 * the version goes to the endpoints following the alias as a canary, and the alias
 * moves only when the canary passes.
 *
 * @internal
 */
export type AliasCanaryInput = {
  modelName: string;
  alias: string;
  version: number;
  versionId: string;
  /** The approved promotion request the canary completes. */
  requestId: string;
};

/**
 * What the promotion flow needs of deployments: whether an endpoint following the alias
 * would run the approved version as a canary, and starting it.
 *
 * @internal
 */
export interface AliasCanaries {
  follows(input: AliasCanaryInput): Promise<boolean>;
  /** Whether a canary started. */
  start(input: AliasCanaryInput): Promise<boolean>;
}
