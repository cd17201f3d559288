import { PromotionRequest, TrainingJob } from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';

/** A registered model version as deployments serve it. @internal */
export type DeployableVersion = {
  modelName: string;
  version: number;
  /** The version's id: its lineage node. */
  versionId: string;
  /** The version's files (its resolved source). */
  artifactUri: string;
  /** The run it came from, when it came from one. */
  runId?: string;
};

/**
 * What deployments need of the registry, handed in by the plugin.
 *
 * @internal
 */
export interface DeployableModels {
  /** The version, or the one `alias` points to, if the caller reads the model; NotFoundError otherwise. */
  resolve(
    caller: Caller,
    modelName: string,
    ref: { version?: string; alias?: string },
  ): Promise<DeployableVersion>;
  /** As `resolve`, for the platform's own work (the analysis, the reconciler). */
  resolveAsPlatform(
    modelName: string,
    ref: { version?: string; alias?: string },
  ): Promise<DeployableVersion | undefined>;
  /** The model's owner, aliases (alias → version) and pending promotion requests. */
  pipelineOf(
    caller: Caller,
    modelName: string,
  ): Promise<{
    owner: string;
    aliases: Record<string, string>;
    pending: PromotionRequest[];
  }>;
  /**
   * Ends an approved promotion whose alias move waited for a canary: `passed` moves the
   * alias, `failed` leaves it; both are written to the model's audit trail.
   */
  completeCanaryPromotion(
    requestId: string,
    outcome: { passed: boolean; detail: string; actor: string },
  ): Promise<void>;
  /** Whether the alias moves only through approved promotion requests. */
  isProtected(alias: string): boolean;
  /** Moves an unprotected alias to a version whose canary passed (its gates apply). */
  moveAliasAfterCanary(input: {
    modelName: string;
    alias: string;
    version: string;
    actor: string;
    detail: string;
  }): Promise<void>;
  /** Writes a deployment step into the model's audit trail. */
  audit(
    modelName: string,
    entry: { actor: string; action: string; detail: string; version?: string },
  ): Promise<void>;
}

/** Batch scoring runs as a training job. @internal */
export interface BatchJobs {
  submit(caller: Caller, spec: unknown): Promise<TrainingJob>;
}

/**
 * The dataset catalog, as batch scoring reads its input and registers its output
 * (lineage's service).
 *
 * @internal
 */
export interface BatchDatasets {
  /** Dataset id per reference that is an id or a name (its newest). */
  resolveDatasetRefs(refs: string[]): Promise<Map<string, string>>;
  /** 403 unless the caller may read it. */
  getDataset(
    caller: Caller,
    id: string,
  ): Promise<{ id: string; name: string; source: string }>;
  registerDataset(
    caller: Caller,
    input: { name: string; source: string; digest: string; owner: string },
  ): Promise<{ id: string }>;
}

/** Puts a model's files in a directory on this host, for targets that serve from files. @internal */
export interface ModelFiles {
  /** Returns the directory; unchanged files are not fetched again. */
  materialize(artifactUri: string, directory: string): Promise<string>;
}

/** Tells an endpoint's owner group what happened (a rollback, a failed start). @internal */
export interface DeploymentAlerts {
  notify(alert: {
    owner: string;
    endpoint: string;
    title: string;
    description: string;
    severity: 'normal' | 'high';
  }): Promise<void>;
}

/**
 * Live traffic for drift monitoring: asked per request whether to capture it, then fed
 * the request's and response's parsed bodies.
 *
 * @internal
 */
export interface TrafficSampler {
  wants(endpointId: string): boolean;
  offer(
    endpointId: string,
    deploymentId: string,
    bodies: { request: unknown; response: unknown },
  ): void;
}
