import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  LineageDirection,
  LineageGraph as LineageGraphData,
  LineageNode,
  LineageNodeRef,
} from '@ml-portal/plugin-ml-common';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import { Theme, useTheme } from '@mui/material/styles';
import Typography from '@mui/material/Typography';
import {
  Background,
  Controls,
  Edge,
  Handle,
  MarkerType,
  Node,
  NodeProps,
  Position,
  ReactFlow,
} from '@xyflow/react';
// React Flow's own stylesheet (edges, handles, controls); the app's bundler injects it.
import '@xyflow/react/dist/style.css';
import { MouseEvent, useCallback, useId, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { useMlPaths } from '../common/mlPaths';
import { SelectField } from '../common/SelectField';
import { teamName } from '../common/teams';
import { layoutLineage } from './layoutLineage';
import { LINEAGE_KIND_STYLES, relationLabel } from './lineageKinds';

/** The depths the depth control offers (the API allows up to 10). @internal */
export const LINEAGE_DEPTHS = [1, 2, 3, 4, 5];

const DIRECTIONS: Array<{ value: LineageDirection; label: string }> = [
  { value: 'both', label: 'Upstream and downstream' },
  { value: 'upstream', label: 'Upstream (made from)' },
  { value: 'downstream', label: 'Downstream (used by)' },
];

type LineageNodeData = {
  node: LineageNode;
  isRoot: boolean;
  /** The node's page in the app; absent for unknown nodes and those without a page. */
  href?: string;
};

type LineageFlowNode = Node<LineageNodeData, 'lineage'>;

const nodeStyles = {
  node: {
    width: '100%',
    height: '100%',
    boxSizing: 'border-box',
    py: 0.75,
    px: 1,
    borderRadius: '6px',
    border: 1,
    borderColor: 'divider',
    borderLeftWidth: 5,
    bgcolor: 'background.paper',
    color: 'text.primary',
    overflow: 'hidden',
    textAlign: 'left',
  },
  root: {
    boxShadow: (theme: Theme) => `0 0 0 3px ${theme.palette.primary.main}`,
  },
  clickable: { cursor: 'pointer' },
  unknown: { borderStyle: 'dashed', color: 'text.secondary' },
  kind: {
    display: 'flex',
    alignItems: 'center',
    gap: 0.5,
    fontSize: 11,
    textTransform: 'uppercase',
    letterSpacing: '0.4px',
  },
  line: {
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    lineHeight: 1.35,
  },
} as const;

const hiddenHandle = { visibility: 'hidden' } as const;

function LineageNodeView(props: NodeProps<LineageFlowNode>) {
  const { node, isRoot, href } = props.data;
  const style = LINEAGE_KIND_STYLES[node.kind];
  const secondLine = node.known
    ? [node.subtitle, node.owner && teamName(node.owner)]
        .filter(Boolean)
        .join(' · ')
    : 'no record: deleted or never registered';

  return (
    <Box
      sx={[
        nodeStyles.node,
        isRoot && nodeStyles.root,
        Boolean(href && !isRoot) && nodeStyles.clickable,
        !node.known && nodeStyles.unknown,
      ]}
      style={{ borderLeftColor: style.color }}
      data-testid={`lineage-node-${node.key}`}
      title={`${style.label} ${node.label}${isRoot ? ' (this page)' : ''}`}
    >
      <Handle
        type="target"
        position={Position.Left}
        isConnectable={false}
        style={hiddenHandle}
      />
      <Box sx={nodeStyles.kind} style={{ color: style.color }}>
        <style.Icon fontSize="inherit" />
        {style.label}
      </Box>
      <Typography variant="body2" sx={nodeStyles.line}>
        {href && !isRoot ? (
          <Link to={href}>{node.label}</Link>
        ) : (
          <strong>{node.label}</strong>
        )}
      </Typography>
      <Typography
        variant="caption"
        color="text.secondary"
        component="div"
        sx={nodeStyles.line}
      >
        {secondLine || '\u00a0'}
      </Typography>
      <Handle
        type="source"
        position={Position.Right}
        isConnectable={false}
        style={hiddenHandle}
      />
    </Box>
  );
}

const nodeTypes = { lineage: LineageNodeView };

/** React Flow's nodes and edges for a lineage graph, placed by {@link layoutLineage}. */
function useFlowElements(
  graph: LineageGraphData,
  hrefOf: (node: LineageNode) => string | undefined,
) {
  const theme = useTheme();
  return useMemo(() => {
    const layout = layoutLineage(graph);
    const nodes: LineageFlowNode[] = layout.nodes.map(placed => ({
      id: placed.node.key,
      type: 'lineage',
      position: { x: placed.x, y: placed.y },
      width: placed.width,
      height: placed.height,
      data: {
        node: placed.node,
        isRoot: placed.isRoot,
        href: hrefOf(placed.node),
      },
      draggable: false,
      connectable: false,
    }));
    const edges: Edge[] = layout.edges.map(edge => ({
      id: edge.id,
      source: edge.from,
      target: edge.to,
      label: relationLabel(edge.relation),
      labelStyle: { fontSize: 11, fill: theme.palette.text.secondary },
      labelBgStyle: { fill: theme.palette.background.default },
      markerEnd: { type: MarkerType.ArrowClosed },
      focusable: false,
    }));
    return { nodes, edges };
  }, [graph, hrefOf, theme]);
}

function LineageCanvas(props: { graph: LineageGraphData; height: number }) {
  const paths = useMlPaths();
  const theme = useTheme();
  const hrefOf = useMemo(
    () => (node: LineageNode) =>
      node.known && node.path && paths ? paths.relative(node.path) : undefined,
    [paths],
  );
  const { nodes, edges } = useFlowElements(props.graph, hrefOf);
  const navigate = useNavigate();
  // The whole box opens the node's page; a click on its link already does.
  const openNode = useCallback(
    (event: MouseEvent, node: LineageFlowNode) => {
      const onLink = (event.target as Element).closest?.('a');
      if (node.data.href && !node.data.isRoot && !onLink) {
        navigate(node.data.href);
      }
    },
    [navigate],
  );
  return (
    <Box
      sx={{
        height: props.height,
        border: 1,
        borderColor: 'divider',
        borderRadius: 4,
      }}
      aria-label="lineage graph"
      role="figure"
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        colorMode={theme.palette.mode}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        onNodeClick={openNode}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </Box>
  );
}

/** Whether the API said it knows nothing of the node (no edges, no record). */
const isUnknownNode = (error: Error) =>
  error instanceof ResponseError && error.statusCode === 404;

/**
 * The lineage around one node: what it was made from and what was made from it,
 * laid out left to right, each node linking to its page.
 *
 * @internal
 */
export function LineageGraph(props: {
  node: LineageNodeRef;
  /** 3 unless told. */
  initialDepth?: number;
  initialDirection?: LineageDirection;
  /** The canvas height in pixels. */
  height?: number;
}) {
  const { node, height = 420 } = props;
  const mlApi = useApi(mlApiRef);
  const id = useId();
  const [depth, setDepth] = useState(props.initialDepth ?? 3);
  const [direction, setDirection] = useState<LineageDirection>(
    props.initialDirection ?? 'both',
  );
  const { value, loading, error } = useAsync(
    () => mlApi.getLineage({ kind: node.kind, id: node.id, direction, depth }),
    [mlApi, node.kind, node.id, direction, depth],
  );

  let content;
  if (loading) {
    content = <Progress />;
  } else if (error && !isUnknownNode(error)) {
    content = (
      <ResponseErrorPanel error={error} title="Could not load the lineage" />
    );
  } else if (!value || value.edges.length === 0) {
    content = (
      <EmptyState
        missing="data"
        title="No lineage recorded yet"
        description="Lineage is recorded as things happen: a run that logs its dataset inputs (mlflow.log_input), a training job that produces a run, a run registered as a model version, a version deployed."
      />
    );
  } else {
    content = (
      <>
        {value.truncated && (
          <Alert severity="info" sx={{ mb: 1 }}>
            The graph is cut at {depth} {depth === 1 ? 'hop' : 'hops'} or at the
            node limit: raise the depth, or open a node at the edge to see
            beyond it.
          </Alert>
        )}
        {/* A new graph remounts the canvas so that it fits the view again. */}
        <LineageCanvas
          key={`${value.root}|${direction}|${depth}`}
          graph={value}
          height={height}
        />
      </>
    );
  }

  return (
    <Box>
      <Box sx={{ display: 'flex', mb: 2, gap: 2 }}>
        <SelectField
          id={`${id}-depth`}
          label="Depth"
          value={depth}
          options={LINEAGE_DEPTHS}
          onChange={setDepth}
          sx={{ width: 100 }}
        />
        <SelectField
          id={`${id}-direction`}
          label="Direction"
          value={direction}
          options={DIRECTIONS}
          onChange={setDirection}
          sx={{ width: 240 }}
        />
      </Box>
      {content}
    </Box>
  );
}
