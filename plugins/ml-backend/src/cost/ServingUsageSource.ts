/** A replica count held over an interval (0 while scaled to zero). @internal */
export type ReplicaSpan = { fromMs: number; toMs: number; replicas: number };

/**
 * A deployment of an endpoint as serving cost reads it: the endpoint's settings and
 * what it ran in a window.
 *
 * @internal
 */
export type ServedDeployment = {
  deploymentId: string;
  endpointId: string;
  endpointName: string;
  /** The endpoint's owner: the team that pays. */
  team: string;
  kind: string;
  pool?: string;
  region?: string;
  instanceType?: string;
  /** GPUs per replica; 0 for CPU serving. */
  gpus: number;
  minReplicas: number;
  modelName: string;
  modelVersion: number;
  modelVersionId?: string;
  /** Replica counts in the window, clipped to it, in time order. */
  spans: ReplicaSpan[];
  /**
   * Requests and the sum of their latencies in seconds, where the portal's router
   * counted them (targets it routes); undefined where the target serves on its own.
   */
  requests?: { count: number; seconds: number };
};

/**
 * What the cost domain reads of endpoints: the deployments that ran in a window and
 * their replica counts, from the deployments domain (its adapter implements this).
 *
 * @internal
 */
export interface ServingUsageSource {
  /** Deployments with replicas (or at zero) in `[fromMs, toMs)`. */
  served(fromMs: number, toMs: number): Promise<ServedDeployment[]>;
  /** When the earliest recorded replica interval began: where metering starts. */
  firstServedAt(): Promise<number | undefined>;
}
