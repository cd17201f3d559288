/*
 * npm run bench:lineage — the lineage graph at scale on PostgreSQL: generates 100,000
 * nodes and 300,000 edges layered like real lineage (datasets and feature views →
 * training jobs → runs → model versions → deployments, with a few popular datasets that
 * thousands of runs read), then times the graph around random nodes, upstream and
 * downstream to depth 5, through LineageService.graph: the code path of
 * GET /api/ml/lineage (one recursive query per direction, then the describers).
 *
 * Creates and drops its own database on the server of BENCH_DATABASE_URL (default
 * postgresql://postgres@127.0.0.1:5432); ML_BENCH_KEEP_DB=1 keeps it for EXPLAIN.
 * Prints a table, then as the last line one JSON object (lineage_depth5_p50_ms, nodes,
 * edges, and per-direction percentiles).
 *
 *   BENCH_LINEAGE_QUERIES=500 npm run bench:lineage
 */
import { Knex } from 'knex';
import { LineageNodeKind, LineageNodeRef } from '@ml-portal/plugin-ml-common';
import { LineageService } from '../src/lineage/LineageService';
import { prng } from '../src/__testUtils__/prng';
import { withScratchDatabase } from './scratchDatabase';

const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const QUERIES = Number(process.env.BENCH_LINEAGE_QUERIES ?? 200);
const WARMUP = 50;
const DEPTH = 5;
const TARGET_EDGES = 300_000;

/** Node counts per layer: 100,000 in all. */
const LAYERS = {
  datasets: 8_000,
  featureViews: 2_000,
  jobs: 25_000, // each produced one of the first 25,000 runs
  runs: 50_000, // the other 25,000 logged straight from MLflow clients
  modelVersions: 12_000, // registered from every 4th run
  deployments: 3_000, // serving every 4th model version
};
const NODES = Object.values(LAYERS).reduce((a, b) => a + b, 0);

const log = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
};

/** A deterministic number in [0, 1) from an integer expression. */
const hash01 = (expr: string) =>
  `(('x' || substr(md5((${expr})::text), 1, 8))::bit(32)::bigint / 4294967296.0)`;

/**
 * A skewed pick in SQL: `floor(n · u²)` puts about 1% of all reads on the most popular
 * of n items, as a handful of curated datasets are read by most teams.
 */
const skewed = (n: number, seedExpr: string) =>
  `floor(${n} * power(${hash01(seedExpr)}, 2))::int`;

async function generate(db: Knex) {
  const { datasets, featureViews, jobs, runs, modelVersions, deployments } =
    LAYERS;
  const edge = (
    fromKind: LineageNodeKind,
    fromId: string,
    toKind: LineageNodeKind,
    toId: string,
    relation: string,
    series: string,
  ) =>
    db.raw(`INSERT INTO ml_lineage_edges (from_kind, from_id, to_kind, to_id, relation, created_at)
      SELECT '${fromKind}', ${fromId}, '${toKind}', ${toId}, '${relation}', 1767225600000 + i
      FROM ${series}
      ON CONFLICT DO NOTHING`);

  await db.raw(`INSERT INTO ml_lineage_datasets (id, name, digest, source_type, source, owner, created_at)
    SELECT 'ds-' || i, 'dataset-' || i, substr(md5(i::text), 1, 8), 's3',
           's3://lake/dataset-' || i || '.parquet',
           (ARRAY['group:default/vision','group:default/recsys','group:default/nlp'])[1 + i % 3],
           1767225600000 + i
    FROM generate_series(0, ${datasets - 1}) AS i`);
  // A job produced its run; the spec's 2 datasets and 1 feature view went into both.
  await edge(
    'job',
    `'job-' || i`,
    'run',
    `'run-' || i`,
    'produced',
    `generate_series(0, ${jobs - 1}) AS i`,
  );
  await edge(
    'dataset',
    `'ds-' || ${skewed(datasets, 'i * 2 + k')}`,
    'job',
    `'job-' || i`,
    'input_to',
    `generate_series(0, ${jobs - 1}) AS i, generate_series(0, 1) AS k`,
  );
  await edge(
    'feature_view',
    `'fv-' || ${skewed(featureViews, 'i + 7919')}`,
    'job',
    `'job-' || i`,
    'input_to',
    `generate_series(0, ${jobs - 1}) AS i`,
  );
  await db.raw(`INSERT INTO ml_lineage_edges (from_kind, from_id, to_kind, to_id, relation, created_at)
    SELECT from_kind, from_id, 'run', 'run-' || substr(to_id, 5), 'input_to', created_at
    FROM ml_lineage_edges WHERE to_kind = 'job' AND relation = 'input_to'`);
  await edge(
    'run',
    `'run-' || (i * 4)`,
    'model_version',
    `'mv-' || i`,
    'registered_as',
    `generate_series(0, ${modelVersions - 1}) AS i`,
  );
  await edge(
    'model_version',
    `'mv-' || (i * 4)`,
    'deployment',
    `'dep-' || i`,
    'deployed_as',
    `generate_series(0, ${deployments - 1}) AS i`,
  );
  // Runs logged from MLflow clients read the rest: datasets, and feature views through
  // the run tag, until the graph has its 300,000 edges.
  for (let pass = 0; ; pass++) {
    const count = await edgeCount(db);
    if (count >= TARGET_EDGES) break;
    const missing = TARGET_EDGES - count;
    const directRuns = runs - jobs;
    await db.raw(`INSERT INTO ml_lineage_edges (from_kind, from_id, to_kind, to_id, relation, created_at)
      SELECT CASE WHEN j % 3 = 2 THEN 'feature_view' ELSE 'dataset' END,
             CASE WHEN j % 3 = 2 THEN 'fv-' || ${skewed(
               featureViews,
               `j * 31 + ${pass}`,
             )}
                  ELSE 'ds-' || ${skewed(datasets, `j * 17 + ${pass}`)} END,
             'run', 'run-' || (${jobs} + j % ${directRuns}), 'input_to', 1767225600000 + j
      FROM generate_series(${pass * 1_000_000}, ${
      pass * 1_000_000 + missing - 1
    }) AS j
      ON CONFLICT DO NOTHING`);
  }
  await db.raw('VACUUM ANALYZE ml_lineage_edges');
  await db.raw('VACUUM ANALYZE ml_lineage_datasets');
}

async function edgeCount(db: Knex): Promise<number> {
  const row = await db('ml_lineage_edges').count({ n: '*' }).first();
  return Number(row?.n);
}

/** A node drawn uniformly from all 100,000, by its place in the layers. */
function randomNode(random: () => number): LineageNodeRef {
  let index = Math.floor(random() * NODES);
  const layers: Array<[LineageNodeKind, string, number]> = [
    ['dataset', 'ds-', LAYERS.datasets],
    ['feature_view', 'fv-', LAYERS.featureViews],
    ['job', 'job-', LAYERS.jobs],
    ['run', 'run-', LAYERS.runs],
    ['model_version', 'mv-', LAYERS.modelVersions],
    ['deployment', 'dep-', LAYERS.deployments],
  ];
  for (const [kind, prefix, count] of layers) {
    if (index < count) return { kind, id: `${prefix}${index}` };
    index -= count;
  }
  throw new Error('unreachable');
}

async function main() {
  const server = new URL(SERVER_URL);
  const connection = {
    host: server.hostname,
    port: Number(server.port || 5432),
    user: decodeURIComponent(server.username || 'postgres'),
    password: server.password ? decodeURIComponent(server.password) : undefined,
  };
  return withScratchDatabase(
    'ml_bench_lineage',
    async ({ db }) => {
      const started = performance.now();
      await generate(db);
      const edges = await edgeCount(db);
      const nodes = Number(
        (
          await db.raw(`SELECT count(*) AS n FROM (
          SELECT from_kind, from_id FROM ml_lineage_edges
          UNION SELECT to_kind, to_id FROM ml_lineage_edges) AS nodes`)
        ).rows[0].n,
      );
      log(
        `generated ${nodes.toLocaleString(
          'en-US',
        )} nodes, ${edges.toLocaleString('en-US')} edges in ${round(
          (performance.now() - started) / 1000,
          1,
        )} s`,
      );

      const lineage = LineageService.create({ knex: db });
      const random = prng(42);
      for (let i = 0; i < WARMUP; i++) {
        await lineage.graph({
          root: randomNode(random),
          direction: i % 2 ? 'upstream' : 'downstream',
          depth: DEPTH,
        });
      }
      const figures = [];
      const all: number[] = [];
      for (const direction of ['upstream', 'downstream', 'both'] as const) {
        const samples: number[] = [];
        let nodeSum = 0;
        let maxNodes = 0;
        let truncated = 0;
        for (let i = 0; i < QUERIES; i++) {
          const root = randomNode(random);
          const startedAt = performance.now();
          const graph = await lineage
            .graph({ root, direction, depth: DEPTH })
            .catch(error => {
              if (error.name === 'NotFoundError') return undefined; // a node nothing touches
              throw error;
            });
          samples.push(performance.now() - startedAt);
          nodeSum += graph?.nodes.length ?? 0;
          maxNodes = Math.max(maxNodes, graph?.nodes.length ?? 0);
          truncated += graph?.truncated ? 1 : 0;
        }
        if (direction !== 'both') all.push(...samples);
        figures.push({
          direction,
          p50: percentile(samples, 50),
          p95: percentile(samples, 95),
          p99: percentile(samples, 99),
          max: Math.max(...samples),
          meanNodes: nodeSum / QUERIES,
          maxNodes,
          truncated,
        });
      }

      // The worst case: downstream of the most-read dataset, which the node cap cuts.
      const hot: number[] = [];
      let hotGraph;
      for (let i = 0; i < 50; i++) {
        const startedAt = performance.now();
        hotGraph = await lineage.graph({
          root: { kind: 'dataset', id: 'ds-0' },
          direction: 'downstream',
          depth: DEPTH,
        });
        hot.push(performance.now() - startedAt);
      }
      figures.push({
        direction: 'hot ds ↓',
        p50: percentile(hot, 50),
        p95: percentile(hot, 95),
        p99: percentile(hot, 99),
        max: Math.max(...hot),
        meanNodes: hotGraph!.nodes.length,
        maxNodes: hotGraph!.nodes.length,
        truncated: hotGraph!.truncated ? hot.length : 0,
      });

      log('');
      log(
        `graph around a random node, depth ${DEPTH}, ${QUERIES} queries each (after ${WARMUP} warm-up); last row: 50 × downstream of the most-read dataset`,
      );
      log(
        'direction    p50 ms   p95 ms   p99 ms   max ms   mean nodes   max nodes   truncated',
      );
      for (const f of figures) {
        log(
          [
            f.direction.padEnd(10),
            round(f.p50).toFixed(2).padStart(8),
            round(f.p95).toFixed(2).padStart(8),
            round(f.p99).toFixed(2).padStart(8),
            round(f.max).toFixed(2).padStart(8),
            round(f.meanNodes, 1).toFixed(1).padStart(12),
            String(f.maxNodes).padStart(11),
            String(f.truncated).padStart(11),
          ].join(' '),
        );
      }
      const [up, down, both, hottest] = figures;
      return {
        lineage_depth5_p50_ms: round(percentile(all, 50)),
        lineage_depth5_p99_ms: round(percentile(all, 99)),
        upstream_p50_ms: round(up.p50),
        downstream_p50_ms: round(down.p50),
        both_p50_ms: round(both.p50),
        hot_dataset_downstream_p50_ms: round(hottest.p50),
        queries: QUERIES * 2,
        nodes,
        edges,
      };
    },
    { connection, poolMax: 4 },
  );
}

main().then(
  result => log(JSON.stringify(result)),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
