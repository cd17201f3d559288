import {
  LineageEdge,
  LineageGraph,
  LineageNode,
  LineageNodeKind,
  LineageRelation,
} from '@ml-portal/plugin-ml-common';

/** A known node with a page, or an unknown one (`path` null). @internal */
export function lineageNode(
  kind: LineageNodeKind,
  id: string,
  label: string,
  path: string | null,
  extra: Partial<LineageNode> = {},
): LineageNode {
  return {
    kind,
    id,
    key: `${kind}:${id}`,
    label,
    known: path !== null,
    ...(path !== null && { path }),
    ...extra,
  };
}

/** @internal */
export function lineageEdge(
  from: string,
  to: string,
  relation: LineageRelation,
): LineageEdge {
  return { from, to, relation, createdAt: Date.UTC(2026, 10, 1) };
}

/**
 * A model version's neighbourhood: two datasets and a feature view read by a job
 * and its run, the run registered as the version, the version deployed, and a
 * run whose record is gone.
 *
 * @internal
 */
export const versionGraph: LineageGraph = {
  root: 'model_version:mv-3',
  nodes: [
    lineageNode(
      'model_version',
      'mv-3',
      'churn v3',
      'models/churn/versions/3',
      {
        subtitle: 'READY',
        owner: 'group:default/growth',
      },
    ),
    lineageNode('run', 'r1', 'bold-owl', 'experiments/7/runs/r1', {
      subtitle: 'FINISHED',
    }),
    lineageNode('job', 'job-1', 'churn-train', 'training/jobs/job-1'),
    lineageNode('dataset', 'ds-1', 'churn-train', 'datasets/ds-1', {
      subtitle: 'a1b2c3',
      owner: 'group:default/growth',
    }),
    lineageNode('dataset', 'ds-2', 'churn-holdout', 'datasets/ds-2'),
    lineageNode(
      'feature_view',
      'growth/usage',
      'usage',
      'features/views/growth/usage',
    ),
    lineageNode('deployment', 'dep-1', 'churn-prod', null),
  ],
  edges: [
    lineageEdge('dataset:ds-1', 'run:r1', 'input_to'),
    lineageEdge('dataset:ds-2', 'run:r1', 'input_to'),
    lineageEdge('feature_view:growth/usage', 'job:job-1', 'input_to'),
    lineageEdge('job:job-1', 'run:r1', 'produced'),
    lineageEdge('run:r1', 'model_version:mv-3', 'registered_as'),
    lineageEdge('model_version:mv-3', 'deployment:dep-1', 'deployed_as'),
  ],
  truncated: false,
};
