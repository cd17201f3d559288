/**
 * Lineage: facts recorded as they happen (a run read a dataset, a job produced a run,
 * a model version came from a run), as edges between typed nodes.
 *
 * Node ids per kind:
 * - `dataset`: the dataset's id (`CatalogDataset.id`)
 * - `feature_view`: `<project>/<name>` (Feast's natural key)
 * - `job`: the training job id
 * - `run`: the MLflow run id
 * - `model_version`: `ModelVersion.id` (stable across model renames)
 * - `deployment`: the deployment id (later)
 */
import type { components as MlApiComponents } from './generated/openapi';

/** @public */
export type LineageNodeKind =
  | 'dataset'
  | 'feature_view'
  | 'job'
  | 'run'
  | 'model_version'
  | 'deployment';

/** @public */
export const LINEAGE_NODE_KINDS: ReadonlyArray<LineageNodeKind> = [
  'dataset',
  'feature_view',
  'job',
  'run',
  'model_version',
  'deployment',
];

/** @public */
export type LineageNodeRef = { kind: LineageNodeKind; id: string };

/** `<kind>:<id>`, the key of a node in a {@link LineageGraph}. @public */
export function lineageNodeKey(node: LineageNodeRef): string {
  return `${node.kind}:${node.id}`;
}

/** A node as a graph draws it. @public */
export type LineageNode = LineageNodeRef & {
  key: string;
  label: string;
  /** A second line, e.g. a run's status or a dataset's digest. */
  subtitle?: string;
  owner?: string;
  /** Path of the node's page relative to the ML page, e.g. `models/churn/versions/3`. */
  path?: string;
  /** False when the node's record was deleted or never known (the edge is kept). */
  known: boolean;
};

/** How `from` relates to `to`, read "from → to". @public */
export type LineageRelation =
  | 'input_to' // dataset or feature view → run or job
  | 'produced' // job → run
  | 'registered_as' // run → model version
  | 'deployed_as'; // model version → deployment

/** @public */
export type LineageEdge = {
  from: string;
  to: string;
  relation: LineageRelation;
  createdAt: number;
};

/** @public */
export type LineageDirection = 'upstream' | 'downstream' | 'both';

/**
 * The graph around one node: `GET /api/ml/lineage?kind=&id=&direction=both&depth=3`
 * (depth 1–10).
 *
 * @public
 */
export type LineageGraph = {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** True when the depth limit or the node cap cut the graph. */
  truncated: boolean;
};

/**
 * A dataset, first-class across experiments (MLflow's own `Dataset` lives inside one
 * experiment): recorded from MLflow `log-inputs` by name and digest, or registered
 * through the portal API.
 *
 * @public
 */
export type CatalogDataset = {
  id: string;
  name: string;
  digest: string;
  sourceType: string;
  /** Source URI, e.g. `s3://bucket/trips/2026-11.parquet`. */
  source: string;
  /** MLflow's schema JSON, as logged. */
  schema?: string;
  owner: string;
  /** Where the data may be processed, e.g. `eu`. */
  residency?: string;
  createdAt: number;
};

/** `POST /api/ml/datasets`. @public */
export type CreateDatasetRequest =
  MlApiComponents['schemas']['CreateDatasetRequest'];
