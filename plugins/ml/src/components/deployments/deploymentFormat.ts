import {
  Canary,
  Endpoint,
  EndpointDeployment,
} from '@ml-portal/plugin-ml-common';
import { MISSING } from '../common/format';

/** The deployments taking traffic, the stable one first. @internal */
export function liveDeployments(
  deployments: EndpointDeployment[],
): EndpointDeployment[] {
  return deployments
    .filter(deployment => deployment.role !== 'retired')
    .sort(
      (a, b) =>
        Number(a.role === 'canary') - Number(b.role === 'canary') ||
        b.weight - a.weight,
    );
}

/** Versions and their share of traffic, e.g. `v3 90% · v4 10% canary`. @internal */
export function trafficSummary(deployments: EndpointDeployment[]): string {
  const live = liveDeployments(deployments);
  if (live.length === 0) return MISSING;
  return live
    .map(
      deployment =>
        `v${deployment.version} ${deployment.weight}%${
          deployment.role === 'canary' ? ' canary' : ''
        }`,
    )
    .join(' · ');
}

/** The version the endpoint's stable deployment serves. @internal */
export function stableVersion(
  endpoint: Pick<Endpoint, 'deployments'>,
): string | undefined {
  return endpoint.deployments.find(deployment => deployment.role === 'stable')
    ?.version;
}

/** What an endpoint serves: the alias it follows, or the version it is pinned to. @internal */
export function followsLabel(
  endpoint: Pick<Endpoint, 'followsAlias' | 'deployments'>,
): string {
  if (endpoint.followsAlias) return `follows ${endpoint.followsAlias}`;
  const pinned = stableVersion(endpoint);
  return pinned ? `pinned to v${pinned}` : 'pinned';
}

/** A fraction as a percentage with one decimal: `0.0123` → `1.2%`. @internal */
export function formatPercent(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return MISSING;
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A request rate: `12.5/min`. @internal */
export function formatRate(perMinute: number | undefined): string {
  if (perMinute === undefined || !Number.isFinite(perMinute)) return MISSING;
  const rounded = perMinute >= 100 ? Math.round(perMinute) : perMinute;
  return `${Number(rounded.toPrecision(3))}/min`;
}

/** A latency in milliseconds: `85 ms`, `1.2 s`. @internal */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return MISSING;
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  return `${Number(ms.toPrecision(3))} ms`;
}

/**
 * Whether an endpoint is on its way somewhere (created or updated, a deployment
 * starting, a canary running), so its page polls until it settles.
 *
 * @internal
 */
export function isSettling(
  endpoint: Pick<Endpoint, 'status' | 'deployments' | 'canary'>,
): boolean {
  return (
    endpoint.status === 'CREATING' ||
    endpoint.status === 'UPDATING' ||
    endpoint.canary?.status === 'RUNNING' ||
    endpoint.deployments.some(deployment => deployment.state === 'starting')
  );
}

/** How far a canary is: its time against the policy's, and the requests each version served. @internal */
export function canaryProgress(canary: Canary, now: number) {
  const durationMs = canary.policy.durationMinutes * 60_000;
  const end = canary.decidedAt ?? now;
  const elapsedMs = Math.max(0, end - canary.startedAt);
  const minRequests = canary.policy.minRequests;
  const canaryRequests = canary.verdict?.canary.requests ?? 0;
  const stableRequests = canary.verdict?.stable.requests ?? 0;
  return {
    elapsedMs,
    durationMs,
    /** Of the policy's duration, 0-100. */
    timePercent: Math.min(100, (elapsedMs / durationMs) * 100),
    canaryRequests,
    stableRequests,
    minRequests,
    /** Of the minimum request count, 0-100, by the version with fewer requests. */
    requestsPercent: Math.min(
      100,
      (Math.min(canaryRequests, stableRequests) / minRequests) * 100,
    ),
  };
}

/** The pattern an endpoint's name must match: a DNS label. @internal */
export const ENDPOINT_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
