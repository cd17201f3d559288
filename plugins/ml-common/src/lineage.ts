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
 *
 * The shapes are the OpenAPI document's (the ml backend's `src/schema/openapi.yaml`).
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** @public */
export type LineageNodeKind = Schemas['LineageNodeKind'];

/** @public */
export const LINEAGE_NODE_KINDS: ReadonlyArray<LineageNodeKind> = [
  'dataset',
  'feature_view',
  'job',
  'run',
  'logged_model',
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
export type LineageNode = Schemas['LineageNode'];

/**
 * How `from` relates to `to`, read "from → to": a dataset or feature view is
 * `input_to` a run or job, a job `produced` a run, a run is `registered_as` a model
 * version, a model version is `deployed_as` a deployment.
 *
 * @public
 */
export type LineageRelation = Schemas['LineageRelation'];

/** @public */
export type LineageEdge = Schemas['LineageEdge'];

/** @public */
export type LineageDirection = Schemas['LineageDirection'];

/**
 * The graph around one node: `GET /api/ml/lineage?kind=&id=&direction=both&depth=3`
 * (depth 1–10).
 *
 * @public
 */
export type LineageGraph = Schemas['LineageGraph'];

/**
 * A dataset, first-class across experiments (MLflow's own `Dataset` lives inside one
 * experiment): recorded from MLflow `log-inputs` by name and digest, or registered
 * through the portal API.
 *
 * @public
 */
export type CatalogDataset = Schemas['CatalogDataset'];

/** `POST /api/ml/datasets`. @public */
export type CreateDatasetRequest = Schemas['CreateDatasetRequest'];
