import { PendingReason } from '@ml-portal/plugin-ml-common';
import { ConfiguredPool } from '../shared/pools';
import { TeamQuota } from './config';

/** A job waiting for admission, as the scheduler sees it. @internal */
export type PendingJob = {
  jobId: string;
  owner: string;
  gpus: number;
  priority: number;
  createdAt: number;
  /** Pools the job may use: its profile's, or the one it names. */
  pools: string[];
  dataResidency?: string;
  compliance: string[];
};

/** GPUs an admitted or running job holds in a pool. @internal */
export type Holding = {
  jobId: string;
  owner: string;
  pool: string;
  gpus: number;
  priority: number;
  /** Only running attempts can be preempted to reclaim quota. */
  preemptible: boolean;
  since: number;
};

/** @internal */
export type AdmissionDecision =
  | { jobId: string; kind: 'admit'; pool: string }
  | { jobId: string; kind: 'pending'; reason: PendingReason; message: string }
  /** The job waits while the victims' attempts are preempted to free its quota. */
  | { jobId: string; kind: 'preempt'; victims: string[]; message: string };

/** @internal */
export type AdmissionInput = {
  pending: PendingJob[];
  holdings: Holding[];
  pools: ConfiguredPool[];
  quotas: TeamQuota[];
  teamWeights: Record<string, number>;
  /** The budget hook: a reason to hold the team's jobs, or undefined. */
  budgetHold: (team: string) => string | undefined;
};

/** Whether a pool may process a job's data: residency by region prefix, compliance labels. */
function placementAllowed(job: PendingJob, pool: ConfiguredPool): boolean {
  if (job.dataResidency && !pool.region.startsWith(job.dataResidency))
    return false;
  return job.compliance.every(label => pool.compliance.includes(label));
}

/**
 * One admission cycle, as a pure function of the queue and what is held: decides, in
 * order of priority, then weighted fair share between teams (the team using least per
 * unit of weight goes first), then age, which pending jobs are admitted to which pool,
 * which wait and why, and which borrowed work is preempted so an owner can reclaim its
 * nominal quota. Deterministic, so every replica would decide the same; the caller runs
 * it under the admission lock.
 *
 * @internal
 */
export function decideAdmissions(input: AdmissionInput): AdmissionDecision[] {
  const pools = new Map(input.pools.map(p => [p.name, p]));
  const quotaRows = new Map<string, TeamQuota>();
  const poolsWithQuotas = new Set<string>();
  for (const q of input.quotas) {
    quotaRows.set(`${q.pool}\u0000${q.team}`, q);
    poolsWithQuotas.add(q.pool);
  }
  const used = new Map<string, number>(); // pool -> GPUs
  const teamUsed = new Map<string, number>(); // pool\0team -> GPUs
  const teamTotal = new Map<string, number>(); // team -> GPUs across pools (fair share)
  const add = (pool: string, team: string, gpus: number) => {
    used.set(pool, (used.get(pool) ?? 0) + gpus);
    const key = `${pool}\u0000${team}`;
    teamUsed.set(key, (teamUsed.get(key) ?? 0) + gpus);
    teamTotal.set(team, (teamTotal.get(team) ?? 0) + gpus);
  };
  for (const h of input.holdings) add(h.pool, h.owner, h.gpus);
  const preempting = new Set<string>();

  const weight = (team: string) => input.teamWeights[team] ?? 1;
  const share = (team: string) => (teamTotal.get(team) ?? 0) / weight(team);
  // Priority first; within a priority, the team with the smallest weighted use (ties: the
  // team whose oldest job is oldest), then that team's oldest job. Per-team FIFOs keep a
  // cycle over 10,000 jobs linear in jobs × teams.
  const byPriority = new Map<number, Map<string, PendingJob[]>>();
  for (const job of input.pending) {
    const level =
      byPriority.get(job.priority) ?? new Map<string, PendingJob[]>();
    level.set(job.owner, [...(level.get(job.owner) ?? []), job]);
    byPriority.set(job.priority, level);
  }
  const decisions: AdmissionDecision[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => b - a)) {
    const teams = [...byPriority.get(priority)!.entries()].map(
      ([team, jobs]) => ({
        team,
        jobs: jobs.sort((a, b) => a.createdAt - b.createdAt),
        next: 0,
      }),
    );
    for (;;) {
      let pick: (typeof teams)[number] | undefined;
      for (const t of teams) {
        if (t.next >= t.jobs.length) continue;
        if (
          !pick ||
          share(t.team) < share(pick.team) ||
          (share(t.team) === share(pick.team) &&
            t.jobs[t.next].createdAt < pick.jobs[pick.next].createdAt)
        ) {
          pick = t;
        }
      }
      if (!pick) break;
      decisions.push(decideOne(pick.jobs[pick.next++]));
    }
  }
  return decisions;

  function decideOne(job: PendingJob): AdmissionDecision {
    const hold = input.budgetHold(job.owner);
    if (hold)
      return {
        jobId: job.jobId,
        kind: 'pending',
        reason: 'budget',
        message: hold,
      };
    const candidates = job.pools
      .map(name => pools.get(name))
      .filter((p): p is ConfiguredPool => !!p);
    const allowed = candidates.filter(pool => placementAllowed(job, pool));
    if (allowed.length === 0) {
      const needs = [
        job.dataResidency && `data residency '${job.dataResidency}'`,
        ...job.compliance.map(c => `'${c}'`),
      ]
        .filter(Boolean)
        .join(', ');
      return {
        jobId: job.jobId,
        kind: 'pending',
        reason: 'residency',
        message: `No pool among ${job.pools.join(', ')} satisfies ${needs}`,
      };
    }
    let blockedByQuota: string | undefined;
    let blockedByCapacity: ConfiguredPool | undefined;
    for (const pool of allowed) {
      const free = pool.capacityGpus - (used.get(pool.name) ?? 0);
      const mine = teamUsed.get(`${pool.name}\u0000${job.owner}`) ?? 0;
      if (poolsWithQuotas.has(pool.name)) {
        const quota = quotaRows.get(`${pool.name}\u0000${job.owner}`);
        const ceiling = quota
          ? quota.nominalGpus + quota.borrowingLimitGpus
          : 0;
        if (mine + job.gpus > ceiling) {
          blockedByQuota ??= quota
            ? `${job.owner} uses ${mine} of its ${quota.nominalGpus} nominal + ${quota.borrowingLimitGpus} borrowable GPUs in ${pool.name}; the job needs ${job.gpus}`
            : `${job.owner} has no quota in ${pool.name}`;
          continue;
        }
      }
      if (free >= job.gpus) {
        add(pool.name, job.owner, job.gpus);
        return { jobId: job.jobId, kind: 'admit', pool: pool.name };
      }
      blockedByCapacity ??= pool;
      const reclaim = reclaimFor(job, pool, free);
      if (reclaim) return reclaim;
    }
    if (blockedByCapacity) {
      const pool = blockedByCapacity;
      return {
        jobId: job.jobId,
        kind: 'pending',
        reason: 'capacity',
        message: `${pool.name} has ${
          pool.capacityGpus - (used.get(pool.name) ?? 0)
        } of ${pool.capacityGpus} GPUs free; the job needs ${job.gpus}`,
      };
    }
    return {
      jobId: job.jobId,
      kind: 'pending',
      reason: 'quota',
      message: blockedByQuota!,
    };
  }

  /**
   * An owner within its nominal quota may take back GPUs that other teams borrowed:
   * their newest running work of no higher priority is preempted (it resumes from its
   * checkpoint when admitted again).
   */
  function reclaimFor(
    job: PendingJob,
    pool: ConfiguredPool,
    free: number,
  ): AdmissionDecision | undefined {
    const quota = quotaRows.get(`${pool.name}\u0000${job.owner}`);
    const mine = teamUsed.get(`${pool.name}\u0000${job.owner}`) ?? 0;
    if (!quota || mine + job.gpus > quota.nominalGpus) return undefined;
    const borrowedBy = (team: string) => {
      const q = quotaRows.get(`${pool.name}\u0000${team}`);
      return (
        (teamUsed.get(`${pool.name}\u0000${team}`) ?? 0) - (q?.nominalGpus ?? 0)
      );
    };
    const victims = input.holdings
      .filter(
        h =>
          h.pool === pool.name &&
          h.owner !== job.owner &&
          h.preemptible &&
          h.priority <= job.priority &&
          !preempting.has(h.jobId),
      )
      .filter(h => borrowedBy(h.owner) > 0)
      .sort((a, b) => b.since - a.since);
    const chosen: Holding[] = [];
    let freed = free;
    for (const victim of victims) {
      if (freed >= job.gpus) break;
      chosen.push(victim);
      freed += victim.gpus;
    }
    if (freed < job.gpus) return undefined;
    for (const victim of chosen) preempting.add(victim.jobId);
    return {
      jobId: job.jobId,
      kind: 'preempt',
      victims: chosen.map(v => v.jobId),
      message: `${job.owner} reclaims its nominal quota in ${
        pool.name
      }: preempting borrowed work of ${chosen.map(v => v.jobId).join(', ')}`,
    };
  }
}
