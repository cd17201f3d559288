import { LineageGraph } from '@ml-portal/plugin-ml-common';
import { layoutLineage, PositionedLineageNode } from './layoutLineage';
import { lineageEdge, lineageNode, versionGraph } from './testData';

const overlap = (a: PositionedLineageNode, b: PositionedLineageNode) =>
  a.x < b.x + b.width &&
  b.x < a.x + a.width &&
  a.y < b.y + b.height &&
  b.y < a.y + a.height;

describe('layoutLineage', () => {
  it('places every edge left to right, from what was used to what was made', () => {
    const layout = layoutLineage(versionGraph);
    const at = new Map(layout.nodes.map(n => [n.node.key, n]));

    expect(layout.edges).toHaveLength(versionGraph.edges.length);
    for (const edge of layout.edges) {
      const from = at.get(edge.from)!;
      const to = at.get(edge.to)!;
      expect(from.x + from.width).toBeLessThan(to.x);
    }
    // The longest chain sets the ranks: feature view → job → run → version → deployment.
    const order = [
      'feature_view:growth/usage',
      'job:job-1',
      'run:r1',
      'model_version:mv-3',
      'deployment:dep-1',
    ].map(key => at.get(key)!.x);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
  });

  it('never draws two nodes over each other', () => {
    const wide: LineageGraph = {
      root: 'run:r1',
      nodes: [
        lineageNode('run', 'r1', 'run', null),
        ...Array.from({ length: 8 }, (_, i) =>
          lineageNode('dataset', `d${i}`, `dataset ${i}`, `datasets/d${i}`),
        ),
      ],
      edges: Array.from({ length: 8 }, (_, i) =>
        lineageEdge(`dataset:d${i}`, 'run:r1', 'input_to'),
      ),
      truncated: false,
    };
    for (const graph of [versionGraph, wide]) {
      const { nodes } = layoutLineage(graph);
      const overlapping = nodes.flatMap((a, i) =>
        nodes
          .slice(i + 1)
          .filter(b => overlap(a, b))
          .map(b => `${a.node.key} / ${b.node.key}`),
      );
      expect(overlapping).toEqual([]);
    }
  });

  it('marks the root and keeps every node, related or not', () => {
    const graph: LineageGraph = {
      ...versionGraph,
      nodes: [
        ...versionGraph.nodes,
        lineageNode('run', 'lonely', 'lonely', null),
      ],
    };
    const { nodes } = layoutLineage(graph);

    expect(nodes.map(n => n.node.key)).toEqual(graph.nodes.map(n => n.key));
    expect(nodes.filter(n => n.isRoot).map(n => n.node.key)).toEqual([
      'model_version:mv-3',
    ]);
    expect(nodes.every(n => Number.isFinite(n.x) && Number.isFinite(n.y))).toBe(
      true,
    );
  });

  it('drops edges to nodes the graph does not hold, self-loops and repeats', () => {
    const graph: LineageGraph = {
      ...versionGraph,
      edges: [
        ...versionGraph.edges,
        lineageEdge('run:r1', 'model_version:mv-3', 'registered_as'),
        lineageEdge('run:r1', 'run:r1', 'produced'),
        lineageEdge('dataset:gone', 'run:r1', 'input_to'),
      ],
    };
    const { edges } = layoutLineage(graph);

    expect(edges.map(e => e.id)).toEqual(
      versionGraph.edges.map(e => `${e.from}->${e.to}:${e.relation}`),
    );
  });
});
