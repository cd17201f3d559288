import {
  Canary,
  CanaryPolicy,
  CanaryVerdict,
  EndpointDeployment,
  EndpointEvent,
  EndpointKind,
  EndpointStatus,
} from '@ml-portal/plugin-ml-common';

/** An endpoint as stored, without its deployments. @internal */
export type StoredEndpoint = {
  id: string;
  name: string;
  owner: string;
  kind: EndpointKind;
  target: string;
  modelName: string;
  followsAlias?: string;
  pool?: string;
  region?: string;
  instanceType?: string;
  gpus: number;
  minReplicas: number;
  maxReplicas: number;
  targetConcurrency: number;
  scaleToZeroAfterSeconds?: number;
  canaryPolicy: CanaryPolicy;
  status: EndpointStatus;
  statusReason?: string;
  url?: string;
  description?: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
};

/** A deployment row: `version` is a number here, a string on the API. @internal */
export type StoredDeployment = Omit<EndpointDeployment, 'version'> & {
  endpointId: string;
  version: number;
  /** The model version's id: the lineage node the deployment was made from. */
  versionId?: string;
};

/** @internal */
export type StoredCanary = Omit<
  Canary,
  'version' | 'stableVersion' | 'verdict'
> & {
  endpointId: string;
  deploymentId: string;
  stableDeploymentId: string;
  version: number;
  stableVersion: number;
  verdict?: CanaryVerdict;
};

/** A line for the endpoint's timeline, written with the change it describes. @internal */
export type EventInput = Omit<EndpointEvent, 'id' | 'at' | 'version'> & {
  version?: number;
};

/** A new deployment of a version; the store gives it its id and name. @internal */
export type NewDeployment = {
  version: number;
  versionId?: string;
};

/** How a running canary ended. @internal */
export type CanaryOutcome = 'PROMOTED' | 'ROLLED_BACK' | 'ABORTED';

/** What the router counted for one deployment in one minute. @internal */
export type ServingMinute = {
  endpointId: string;
  deploymentId: string;
  /** Epoch minute (ms / 60000, floored). */
  minute: number;
  requests: number;
  errors: number;
  clientErrors: number;
  bytesIn: number;
  coldStarts: number;
  coldStartMs: number;
  /** Latencies in microseconds, an HdrHistogram as compressed base64. */
  latency: string;
  /** Mean GPU utilisation in percent, where a scraped model server reports it. */
  gpuUtilization?: number;
};

/**
 * Persistence of endpoints, their deployments, canaries, timelines and the router's
 * counts. Every change lands with its timeline event in one transaction; the changes of
 * traffic roles (a canary starting, passing, rolled back; a replacement) are conditional
 * on the state they start from, so two replicas deciding the same canary cannot both win.
 *
 * @internal
 */
export interface DeploymentStore {
  /** ConflictError when the name is taken. */
  createEndpoint(
    endpoint: Omit<StoredEndpoint, 'id' | 'createdAt' | 'updatedAt'>,
    first: NewDeployment,
    event: EventInput,
  ): Promise<StoredEndpoint>;
  getEndpoint(name: string): Promise<StoredEndpoint | undefined>;
  getEndpointById(id: string): Promise<StoredEndpoint | undefined>;
  listEndpoints(query: {
    owner?: string;
    modelName?: string;
  }): Promise<StoredEndpoint[]>;
  deleteEndpoint(id: string, event: EventInput): Promise<void>;
  updateEndpointStatus(
    id: string,
    status: { status: EndpointStatus; statusReason?: string; url?: string },
  ): Promise<void>;

  /** The stable and canary deployments of each endpoint. */
  liveDeployments(endpointIds: string[]): Promise<StoredDeployment[]>;
  /** Retired deployments of an endpoint, newest first. */
  retiredDeployments(
    endpointId: string,
    limit: number,
  ): Promise<StoredDeployment[]>;
  getDeployments(ids: string[]): Promise<StoredDeployment[]>;
  updateDeployment(
    id: string,
    change: Partial<
      Pick<
        StoredDeployment,
        'state' | 'reason' | 'logTail' | 'readyAt' | 'lastColdStartMs'
      >
    >,
    event?: EventInput,
  ): Promise<void>;
  /**
   * Retires the live deployments and makes `next` the stable one at 100%; aborts a
   * running canary. ConflictError when the live deployments changed meanwhile.
   */
  replaceStable(
    endpointId: string,
    next: NewDeployment,
    event: EventInput,
  ): Promise<StoredDeployment>;
  /** Adds the canary deployment at `percent` with its canary row; ConflictError when one runs. */
  startCanary(
    endpointId: string,
    canary: NewDeployment,
    settings: {
      percent: number;
      policy: CanaryPolicy;
      startedBy: string;
      alias?: string;
      promotionRequestId?: string;
    },
    event: EventInput,
  ): Promise<StoredCanary>;
  /**
   * Ends a running canary: PROMOTED makes its deployment the stable one at 100% and
   * retires the old; otherwise the canary deployment retires and the stable one takes
   * 100% again. ConflictError when it no longer runs.
   */
  endCanary(
    canaryId: string,
    outcome: CanaryOutcome,
    decision: { by: string; verdict?: CanaryVerdict },
    event: EventInput,
  ): Promise<StoredCanary>;
  setCanaryVerdict(canaryId: string, verdict: CanaryVerdict): Promise<void>;
  setWeights(
    endpointId: string,
    weights: Map<string, number>,
    event: EventInput,
  ): Promise<void>;
  /** Running canaries, of these endpoints only when given. */
  runningCanaries(endpointIds?: string[]): Promise<StoredCanary[]>;
  canaries(endpointIds: string[], limit?: number): Promise<StoredCanary[]>;

  addEvent(endpointId: string, event: EventInput): Promise<void>;
  events(endpointId: string, limit: number): Promise<EndpointEvent[]>;

  /** Adds counts to each (deployment, minute), merging histograms. */
  addServingMinutes(minutes: ServingMinute[]): Promise<void>;
  /**
   * Writes each (deployment, minute) as given, replacing what was there: for sources
   * that report a minute whole (a scrape, CloudWatch), so reading it twice counts once.
   */
  putServingMinutes(minutes: ServingMinute[]): Promise<void>;
  servingMinutes(
    endpointIds: string[],
    sinceMinute: number,
  ): Promise<ServingMinute[]>;
}
