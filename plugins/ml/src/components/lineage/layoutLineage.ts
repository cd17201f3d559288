import dagre from '@dagrejs/dagre';
import {
  LineageEdge,
  LineageGraph,
  LineageNode,
} from '@ml-portal/plugin-ml-common';

/** The size every node is drawn at: dagre needs it before anything is rendered. @internal */
export const LINEAGE_NODE_SIZE = { width: 240, height: 76 };

/** A node with the top-left corner it is drawn at. @internal */
export type PositionedLineageNode = {
  node: LineageNode;
  x: number;
  y: number;
  width: number;
  height: number;
  isRoot: boolean;
};

/** An edge with an id unique in the graph (two nodes may be related twice). @internal */
export type LaidOutLineageEdge = LineageEdge & { id: string };

/** @internal */
export type LineageLayout = {
  nodes: PositionedLineageNode[];
  edges: LaidOutLineageEdge[];
};

/**
 * Places a lineage graph left to right: every edge points rightwards, from the
 * rank of what was used to the rank of what was made from it (dataset → run →
 * model version → deployment), and nodes of one rank stack without overlapping.
 * Edges whose ends are not among the nodes are dropped rather than drawn to nowhere.
 *
 * @internal
 */
export function layoutLineage(graph: LineageGraph): LineageLayout {
  const { width, height } = LINEAGE_NODE_SIZE;
  const layout = new dagre.graphlib.Graph({ multigraph: true });
  layout.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 96 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) layout.setNode(node.key, { width, height });

  const edges: LaidOutLineageEdge[] = [];
  for (const edge of graph.edges) {
    const drawable =
      edge.from !== edge.to &&
      layout.hasNode(edge.from) &&
      layout.hasNode(edge.to);
    if (!drawable) continue;
    const id = `${edge.from}->${edge.to}:${edge.relation}`;
    if (layout.hasEdge(edge.from, edge.to, edge.relation)) continue;
    layout.setEdge(edge.from, edge.to, {}, edge.relation);
    edges.push({ ...edge, id });
  }

  dagre.layout(layout);

  return {
    nodes: graph.nodes.map(node => {
      const placed = layout.node(node.key);
      // dagre places centres; React Flow places top-left corners.
      return {
        node,
        x: placed.x - width / 2,
        y: placed.y - height / 2,
        width,
        height,
        isRoot: node.key === graph.root,
      };
    }),
    edges,
  };
}
