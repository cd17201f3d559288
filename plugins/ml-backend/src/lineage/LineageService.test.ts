import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { LineageNodeRef } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { memberAccess, userCaller } from '../__testUtils__/access';
import { createTestDatabases } from '../__testUtils__/databases';
import { LineageFact } from '../shared/lineage';
import { LINEAGE_MAX_NODES, LineageService } from './LineageService';

const databases = createTestDatabases();

async function createService(databaseId: Parameters<typeof databases.init>[0]) {
  const knex: Knex = await databases.init(databaseId);
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  return {
    knex,
    lineage: LineageService.create({ knex, access: memberAccess() }),
  };
}

const run = (id: string): LineageNodeRef => ({ kind: 'run', id });
const fact = (
  from: LineageNodeRef,
  to: LineageNodeRef,
  relation: LineageFact['relation'] = 'input_to',
): LineageFact => ({ from, to, relation });
/** A chain of runs r0 → r1 → … → r<length>. */
const chain = (length: number) =>
  Array.from({ length }, (_, i) => fact(run(`r${i}`), run(`r${i + 1}`)));

const dataset = (name: string, digest: string, owner = 'group:default/a') => ({
  name,
  digest,
  sourceType: 's3',
  source: `s3://bucket/${name}/${digest}.parquet`,
  owner,
});

const keys = (graph: { nodes: Array<{ key: string }> }) =>
  graph.nodes.map(n => n.key).sort();

describe.each(databases.eachSupportedId())(
  'LineageService on %p',
  databaseId => {
    it('records a fact once however often it is recorded', async () => {
      const { knex, lineage } = await createService(databaseId);
      const edge = fact({ kind: 'dataset', id: 'd1' }, run('r1'));
      await lineage.record([edge, edge]);
      await lineage.record([
        edge,
        fact({ kind: 'job', id: 'j1' }, run('r1'), 'produced'),
      ]);

      const rows = await knex('ml_lineage_edges').orderBy('from_kind');
      expect(rows.map(r => [r.from_kind, r.from_id, r.relation])).toEqual([
        ['dataset', 'd1', 'input_to'],
        ['job', 'j1', 'produced'],
      ]);
      await knex.destroy();
    });

    it('records inside the given transaction: a rollback leaves no edge', async () => {
      const { knex, lineage } = await createService(databaseId);
      await expect(
        knex.transaction(async trx => {
          await lineage.record(
            [fact({ kind: 'dataset', id: 'd1' }, run('r1'))],
            trx,
          );
          await lineage.recordDatasetInputs(
            run('r1'),
            [dataset('trips', 'abc')],
            trx,
          );
          throw new Error('the change the facts describe failed');
        }),
      ).rejects.toThrow('failed');
      expect(
        Number((await knex('ml_lineage_edges').count({ n: '*' }))[0].n),
      ).toBe(0);
      expect(
        Number((await knex('ml_lineage_datasets').count({ n: '*' }))[0].n),
      ).toBe(0);
      await knex.destroy();
    });

    it('walks downstream and upstream to the depth asked, and says when the depth cut it', async () => {
      const { lineage } = await createService(databaseId);
      await lineage.record(chain(5)); // r0 → … → r5

      const two = await lineage.graph({
        root: run('r0'),
        direction: 'downstream',
        depth: 2,
      });
      expect(two.root).toBe('run:r0');
      expect(keys(two)).toEqual(['run:r0', 'run:r1', 'run:r2']);
      expect(two.edges.map(e => `${e.from}>${e.to}`)).toEqual([
        'run:r0>run:r1',
        'run:r1>run:r2',
      ]);
      expect(two.truncated).toBe(true);

      const all = await lineage.graph({
        root: run('r0'),
        direction: 'downstream',
        depth: 5,
      });
      expect(all.nodes).toHaveLength(6);
      expect(all.truncated).toBe(false);

      const up = await lineage.graph({
        root: run('r3'),
        direction: 'upstream',
        depth: 1,
      });
      expect(keys(up)).toEqual(['run:r2', 'run:r3']);
      expect(up.truncated).toBe(true);

      const both = await lineage.graph({
        root: run('r3'),
        direction: 'both',
        depth: 10,
      });
      expect(both.nodes).toHaveLength(6);
      expect(both.edges).toHaveLength(5);
      expect(both.truncated).toBe(false);
    });

    it('ends cycles at the depth limit and draws each node and edge once', async () => {
      const { lineage } = await createService(databaseId);
      // r0 → r1 → r2 → r0, and a diamond r0 → r3 → r2
      await lineage.record([
        ...chain(2),
        fact(run('r2'), run('r0')),
        fact(run('r0'), run('r3')),
        fact(run('r3'), run('r2')),
      ]);
      const graph = await lineage.graph({
        root: run('r0'),
        direction: 'both',
        depth: 10,
      });
      expect(keys(graph)).toEqual(['run:r0', 'run:r1', 'run:r2', 'run:r3']);
      expect(graph.edges).toHaveLength(5);
      expect(graph.truncated).toBe(false);
      // Depth 1 misses r1 → r2 and r3 → r2, which lie one hop further.
      const near = await lineage.graph({
        root: run('r0'),
        direction: 'downstream',
        depth: 1,
      });
      expect(keys(near)).toEqual(['run:r0', 'run:r1', 'run:r3']);
      expect(near.truncated).toBe(true);
    });

    it(`caps the graph at ${LINEAGE_MAX_NODES} nodes and marks it truncated`, async () => {
      const { lineage } = await createService(databaseId);
      const fanOut = Array.from({ length: LINEAGE_MAX_NODES + 100 }, (_, i) =>
        fact({ kind: 'dataset', id: 'popular' }, run(`r${i}`)),
      );
      await lineage.record(fanOut);
      const graph = await lineage.graph({
        root: { kind: 'dataset', id: 'popular' },
        direction: 'downstream',
        depth: 3,
      });
      expect(graph.nodes).toHaveLength(LINEAGE_MAX_NODES);
      expect(graph.edges).toHaveLength(LINEAGE_MAX_NODES - 1);
      expect(graph.truncated).toBe(true);
    });

    it('walks upstream of many versions at once, each root its own set, cycles included', async () => {
      const { lineage } = await createService(databaseId);
      const version = (id: string): LineageNodeRef => ({
        kind: 'model_version',
        id,
      });
      const d = (id: string): LineageNodeRef => ({ kind: 'dataset', id });
      await lineage.record([
        fact(d('d1'), run('r1')),
        fact({ kind: 'feature_view', id: 'p/f' }, run('r1')),
        fact({ kind: 'job', id: 'j1' }, run('r1'), 'produced'),
        fact(d('d1'), { kind: 'job', id: 'j1' }),
        fact(run('r1'), version('v1'), 'registered_as'),
        fact(d('d2'), run('r2')),
        fact(run('r2'), version('v2'), 'registered_as'),
        // A cycle must end at the depth limit, not loop.
        fact(run('r2'), d('d2')),
      ]);
      // More roots than one batch holds.
      const ids = [
        'v1',
        'v2',
        ...Array.from({ length: 300 }, (_, i) => `none-${i}`),
      ];

      const deep = await lineage.upstreamOfEach('model_version', ids, 4);
      const sorted = (nodes: LineageNodeRef[] = []) =>
        [...new Set(nodes.map(n => `${n.kind}:${n.id}`))].sort();
      expect(sorted(deep.get('v1'))).toEqual([
        'dataset:d1',
        'feature_view:p/f',
        'job:j1',
        'run:r1',
      ]);
      expect(sorted(deep.get('v2'))).toEqual(['dataset:d2', 'run:r2']);
      expect(deep.get('none-299')).toEqual([]);

      const shallow = await lineage.upstreamOfEach('model_version', ['v1'], 1);
      expect(sorted(shallow.get('v1'))).toEqual(['run:r1']);
    });

    it('describes nodes with one call per kind and draws unknown ones by id', async () => {
      const { lineage } = await createService(databaseId);
      const [trips] = await lineage.recordDatasetInputs(run('r1'), [
        dataset('trips', 'abc'),
      ]);
      await lineage.record([
        fact({ kind: 'feature_view', id: 'rides/driver_stats' }, run('r1')),
      ]);
      await lineage.record([
        fact(run('r1'), { kind: 'model_version', id: 'mv1' }, 'registered_as'),
      ]);
      await lineage.record([
        fact(run('r2'), { kind: 'model_version', id: 'mv1' }, 'registered_as'),
      ]);
      const describeRuns = jest.fn(async (ids: string[]) => {
        return new Map(
          ids
            .filter(id => id === 'r1')
            .map(id => [
              id,
              {
                label: 'bold-owl-1',
                subtitle: 'FINISHED',
                path: `experiments/1/runs/${id}`,
              },
            ]),
        );
      });
      lineage.addDescriber('run', describeRuns);

      const graph = await lineage.graph({
        root: { kind: 'model_version', id: 'mv1' },
        direction: 'upstream',
        depth: 3,
      });
      expect(describeRuns).toHaveBeenCalledTimes(1);
      expect(describeRuns.mock.calls[0][0].sort()).toEqual(['r1', 'r2']);
      const byKey = new Map(graph.nodes.map(n => [n.key, n]));
      expect(byKey.get('run:r1')).toMatchObject({
        label: 'bold-owl-1',
        known: true,
        path: 'experiments/1/runs/r1',
      });
      expect(byKey.get('run:r2')).toEqual({
        kind: 'run',
        id: 'r2',
        key: 'run:r2',
        label: 'r2',
        known: false,
      });
      expect(byKey.get(`dataset:${trips.id}`)).toMatchObject({
        label: 'trips',
        subtitle: 'abc',
        owner: 'group:default/a',
        known: true,
      });
      expect(byKey.get('feature_view:rides/driver_stats')).toMatchObject({
        known: false,
      });
      expect(byKey.get('model_version:mv1')).toMatchObject({
        label: 'mv1',
        known: false,
      });
    });

    it('answers NotFoundError for a node with no edges that nobody knows, and a lone known node', async () => {
      const { lineage } = await createService(databaseId);
      await expect(
        lineage.graph({ root: run('nowhere'), direction: 'both', depth: 3 }),
      ).rejects.toBeInstanceOf(NotFoundError);
      // A node with edges only the other way is a node all the same.
      await lineage.record(chain(1));
      const leaf = await lineage.graph({
        root: run('r1'),
        direction: 'downstream',
        depth: 3,
      });
      expect(leaf).toMatchObject({
        root: 'run:r1',
        nodes: [{ key: 'run:r1', known: false }],
        edges: [],
        truncated: false,
      });
      const registered = await lineage.registerDataset(
        userCaller('user:default/ana', ['group:default/a']),
        { name: 'orphan', source: 's3://b/orphan.csv' },
      );
      const graph = await lineage.graph({
        root: { kind: 'dataset', id: registered.id },
        direction: 'both',
        depth: 3,
      });
      expect(graph).toMatchObject({
        nodes: [{ label: 'orphan', known: true }],
        edges: [],
        truncated: false,
      });
    });

    it('keeps one dataset per name and digest, owned by its first sight, and finds the newest by name', async () => {
      const { lineage } = await createService(databaseId);
      const [first] = await lineage.recordDatasetInputs(run('r1'), [
        dataset('trips', 'v1'),
      ]);
      const [again] = await lineage.recordDatasetInputs(run('r2'), [
        dataset('trips', 'v1', 'group:default/other'),
      ]);
      expect(again).toEqual(first);
      expect(first.owner).toBe('group:default/a');
      await new Promise(r => setTimeout(r, 5));
      const [second] = await lineage.recordDatasetInputs(run('r3'), [
        dataset('trips', 'v2'),
      ]);

      const resolved = await lineage.resolveDatasetRefs([
        'trips',
        first.id,
        'unknown',
      ]);
      expect(resolved).toEqual(
        new Map([
          ['trips', second.id],
          [first.id, first.id],
        ]),
      );

      expect(
        (await lineage.searchDatasets(userCaller(), { q: 'TRIP' })).map(
          d => d.digest,
        ),
      ).toEqual(['v2', 'v1']);
      expect(await lineage.searchDatasets(userCaller(), { q: '%' })).toEqual(
        [],
      );
      expect(await lineage.getDataset(userCaller(), first.id)).toEqual(first);
      await expect(
        lineage.getDataset(userCaller(), 'missing'),
      ).rejects.toBeInstanceOf(NotFoundError);
      const caller = userCaller('user:default/ana', ['group:default/a']);
      await expect(
        lineage.registerDataset(caller, {
          name: 'trips',
          digest: 'v1',
          source: 's3://x',
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      // Without a digest the source's stands in: the same source twice is a conflict.
      const registered = await lineage.registerDataset(caller, {
        name: 'zones',
        source: 's3://b/zones.csv',
      });
      expect(registered).toMatchObject({
        sourceType: 's3',
        digest: expect.stringMatching(/^[0-9a-f]{8}$/),
      });
      await expect(
        lineage.registerDataset(caller, {
          name: 'zones',
          source: 's3://b/zones.csv',
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        lineage.registerDataset(caller, {
          name: 'theirs',
          source: '/data/theirs.csv',
          owner: 'group:default/b',
        }),
      ).rejects.toBeInstanceOf(NotAllowedError);
    });
  },
);
