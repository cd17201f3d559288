import { JobSpec } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { Holding, PendingJob } from './admission';
import { ProfileDefinition } from './profileDefinition';
import { ACTIVE_JOB_STATUSES, moveJob } from './trainingRows';
import { AdmissionCycleStore, PendingMark } from './TrainingStore';

/**
 * An admission cycle's reads and writes in the transaction that holds the admission
 * lock: a row lock on PostgreSQL, so replicas take turns; SQLite serialises write
 * transactions on its own.
 *
 * @internal
 */
export class DatabaseAdmissionCycle implements AdmissionCycleStore {
  private constructor(private readonly tx: Knex.Transaction) {}

  static async run<T>(
    db: Knex,
    cycle: (store: AdmissionCycleStore) => Promise<T>,
  ): Promise<T> {
    return db.transaction(async tx => {
      const lock = tx('ml_admission_lock').where({ id: 1 });
      if (tx.client.config.client === 'pg') lock.forUpdate();
      await lock.update({ last_cycle_at: Date.now() });
      return cycle(new DatabaseAdmissionCycle(tx));
    });
  }

  async pendingJobs(
    profilePools: (profile: string, version?: ProfileDefinition) => string[],
  ): Promise<Array<PendingJob & { statusMessage?: string }>> {
    // Each job goes by the profile version it was submitted with.
    const rows = await this.tx('ml_jobs as j')
      .leftJoin('ml_training_profile_versions as v', join =>
        join.on('v.name', 'j.profile').andOn('v.version', 'j.profile_version'),
      )
      .where('j.status', 'PENDING')
      .select('j.*', 'v.definition as profile_definition');
    const definitions = new Map<string, ProfileDefinition>();
    const definitionOf = (row: any): ProfileDefinition | undefined => {
      if (!row.profile_definition) return undefined;
      const key = `${row.profile}@${row.profile_version}`;
      if (!definitions.has(key)) {
        definitions.set(key, JSON.parse(row.profile_definition));
      }
      return definitions.get(key);
    };
    return rows.map(row => {
      const spec: JobSpec = JSON.parse(row.spec);
      return {
        jobId: row.job_id,
        owner: row.owner,
        gpus: Number(row.gpus),
        priority: Number(row.priority),
        createdAt: Number(row.created_at),
        pools: row.requested_pool
          ? [row.requested_pool]
          : profilePools(row.profile, definitionOf(row)),
        dataResidency: spec.dataResidency,
        compliance: spec.compliance ?? [],
        statusMessage: row.status_message ?? undefined,
      };
    });
  }

  async holdings(): Promise<Holding[]> {
    const rows = await this.tx('ml_jobs')
      .whereIn('status', ACTIVE_JOB_STATUSES)
      .select(
        'job_id',
        'owner',
        'pool',
        'gpus',
        'priority',
        'status',
        'updated_at',
      );
    return rows.map(row => ({
      jobId: row.job_id,
      owner: row.owner,
      pool: row.pool,
      gpus: Number(row.gpus),
      priority: Number(row.priority),
      preemptible: row.status === 'RUNNING',
      since: Number(row.updated_at),
    }));
  }

  /**
   * Records why jobs wait: only those whose message changed are written, in one UPDATE
   * per distinct reason and one batch of events, so a cycle over a long, unchanged queue
   * costs no writes.
   */
  async markPending(items: PendingMark[]) {
    const changed = items.filter(item => item.previous !== item.message);
    const groups = new Map<string, typeof changed>();
    for (const item of changed) {
      const key = `${item.reason}\u0000${item.message}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    const now = Date.now();
    for (const group of groups.values()) {
      for (const ids of chunks(group.map(item => item.jobId))) {
        await this.tx('ml_jobs')
          .whereIn('job_id', ids)
          .where({ status: 'PENDING' })
          .update({
            pending_reason: group[0].reason,
            status_message: group[0].message,
            updated_at: now,
          });
      }
    }
    const events = changed.map(item => ({
      job_id: item.jobId,
      attempt_id: null,
      at: now,
      type: `pending:${item.reason}`,
      status: 'PENDING',
      message: item.message,
    }));
    for (const batch of chunks(events))
      await this.tx('ml_job_events').insert(batch);
  }

  async markAdmitted(jobId: string, pool: string) {
    await moveJob(this.tx, {
      jobId,
      from: ['PENDING'],
      to: 'ADMITTED',
      type: 'admitted',
      message: `Admitted to ${pool}`,
      extra: { pool, pending_reason: null },
    });
  }
}
