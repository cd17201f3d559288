import { Knex } from 'knex';
import { Counters } from './prometheus';

/**
 * The counters each scrape read, per deployment and interval, in the database so a
 * restart or a Redis flush loses no baseline: the next scrape after a gap writes the
 * whole gap's counts instead of dropping them. An interval's row is replaced when it is
 * scraped again (a retry), and the next interval's reads it as its baseline.
 *
 * @internal
 */
export class ScrapeBaselines {
  constructor(private readonly db: Knex) {}

  /**
   * The latest baseline before the interval starting at `intervalStart`, and whether a
   * later interval was scraped already (then this one is late and must write nothing).
   */
  async before(
    deploymentId: string,
    intervalStart: number,
  ): Promise<{
    counters?: Counters;
    /** The interval the baseline was read in. */
    from?: number;
    superseded: boolean;
  }> {
    const [previous, later] = await Promise.all([
      this.db('ml_scrape_baselines')
        .where({ deployment_id: deploymentId })
        .where('interval_start', '<', intervalStart)
        .orderBy('interval_start', 'desc')
        .first('counters', 'interval_start'),
      this.db('ml_scrape_baselines')
        .where({ deployment_id: deploymentId })
        .where('interval_start', '>', intervalStart)
        .first('interval_start'),
    ]);
    return {
      counters: previous ? JSON.parse(previous.counters) : undefined,
      from: previous ? Number(previous.interval_start) : undefined,
      superseded: Boolean(later),
    };
  }

  /**
   * Keeps the counters of the interval starting at `intervalStart`, and drops the
   * deployment's baselines before `dropBefore`: a retry of this interval still finds the
   * one it started from.
   */
  async save(
    deploymentId: string,
    intervalStart: number,
    counters: Counters,
    dropBefore?: number,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await tx('ml_scrape_baselines')
        .insert({
          deployment_id: deploymentId,
          interval_start: intervalStart,
          scraped_at: Date.now(),
          counters: JSON.stringify(counters),
        })
        .onConflict(['deployment_id', 'interval_start'])
        .merge();
      if (dropBefore !== undefined) {
        await tx('ml_scrape_baselines')
          .where({ deployment_id: deploymentId })
          .where('interval_start', '<', dropBefore)
          .delete();
      }
    });
  }

  /** Drops baselines older than `before` (epoch ms): those of deployments no longer scraped. */
  async prune(before: number): Promise<number> {
    return this.db('ml_scrape_baselines')
      .where('interval_start', '<', before)
      .delete();
  }
}
