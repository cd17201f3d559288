import { createHash } from 'node:crypto';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  CatalogDataset,
  mlDatasetReadPermission,
  mlEndpointReadPermission,
  mlExperimentReadPermission,
  mlFeatureViewReadPermission,
  mlJobReadPermission,
  mlModelReadPermission,
  LineageEdge,
  LineageGraph,
  LineageNode,
  LineageNodeKind,
  LineageNodeRef,
  lineageNodeKey,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import type { AccessControl } from '../shared/AccessControl';
import type { Caller } from '../shared/caller';
import { DatabaseLineageStore } from './DatabaseLineageStore';
import { LineageStore, WalkedEdge } from './LineageStore';
import {
  DatasetLineageRecorder,
  LineageFact,
  LineageNodeDescriber,
  LineageNodeDescribers,
  NewDataset,
  LineageQuery,
  LineageReader,
} from '../shared/lineage';

/** Depth limits of `GET /lineage`. @internal */
export const LINEAGE_MAX_DEPTH = 10;

/** Nodes in one graph at most; a larger neighbourhood comes back `truncated`. @internal */
export const LINEAGE_MAX_NODES = 500;

/**
 * Rows one walk reads at most. An edge reached along paths of different lengths comes
 * once per length, so a walk may need more rows than its graph has edges; three per
 * node leaves room for that while bounding the walk from a dataset thousands of runs
 * read (the walk goes breadth first, so what the cap drops is the farthest).
 */
const MAX_WALK_ROWS = LINEAGE_MAX_NODES * 3;

/** The permission that lets a caller see each kind of node. */
const READ_PERMISSION_OF = {
  dataset: mlDatasetReadPermission,
  feature_view: mlFeatureViewReadPermission,
  job: mlJobReadPermission,
  run: mlExperimentReadPermission,
  // An MLflow 3 logged model belongs to its experiment.
  logged_model: mlExperimentReadPermission,
  model_version: mlModelReadPermission,
  deployment: mlEndpointReadPermission,
} satisfies Record<LineageNodeKind, unknown>;

/**
 * Lineage: records facts as edges (for every domain, through {@link LineageRecorder}),
 * answers the graph around a node, and keeps datasets as first-class records.
 *
 * @internal
 */
export class LineageService implements DatasetLineageRecorder, LineageReader {
  private readonly describers: LineageNodeDescribers = {};

  private constructor(
    private readonly store: LineageStore,
    private readonly access?: AccessControl,
  ) {
    this.addDescriber('dataset', async ids => {
      const datasets = await store.getDatasets(ids);
      return new Map(
        datasets.map(d => [
          d.id,
          {
            label: d.name,
            subtitle: d.digest,
            owner: d.owner,
            path: `datasets/${encodeURIComponent(d.id)}`,
          },
        ]),
      );
    });
  }

  /** `access` checks callers' reads; tools that only record lineage leave it out. */
  static create(options: {
    knex: Knex;
    access?: AccessControl;
  }): LineageService {
    return new LineageService(
      DatabaseLineageStore.create(options),
      options.access,
    );
  }

  /**
   * {@link LineageService.graph} as `caller` may see it: the root must be readable;
   * other nodes the caller may not read keep their place in the graph (so paths stay
   * whole) but lose their name, owner and link.
   */
  async graphFor(caller: Caller, options: LineageQuery): Promise<LineageGraph> {
    const graph = await this.graph(options);
    const visible = new Set<LineageNode>();
    for (const [kind, permission] of Object.entries(READ_PERMISSION_OF)) {
      const nodes = graph.nodes.filter(n => n.kind === kind && n.known);
      for (const node of await this.requireAccess().filter(
        caller,
        permission,
        nodes,
        n => n.owner ?? '',
      )) {
        visible.add(node);
      }
    }
    const root = graph.nodes.find(n => n.key === graph.root);
    if (root?.known && !visible.has(root)) {
      throw new NotAllowedError(
        `${caller.userId ?? 'An anonymous client'} may not read ${root.kind} '${
          root.id
        }'`,
      );
    }
    return {
      ...graph,
      nodes: graph.nodes.map(node =>
        visible.has(node) || !node.known
          ? node
          : {
              ...node,
              label: 'Not visible to you',
              subtitle: undefined,
              owner: undefined,
              path: undefined,
            },
      ),
    };
  }

  private requireAccess(): AccessControl {
    if (!this.access)
      throw new Error('Lineage serves callers only with access control');
    return this.access;
  }

  /** Records facts idempotently, in `trx` when given (all or nothing with the change). */
  async record(facts: LineageFact[], trx?: Knex.Transaction): Promise<void> {
    await this.store.recordEdges(facts, trx);
  }

  /** The domain that owns `kind` tells how its nodes are drawn; one describer per kind. */
  addDescriber(kind: LineageNodeKind, describer: LineageNodeDescriber): void {
    this.describers[kind] = describer;
  }

  /**
   * The graph around `root`: edges walked upstream, downstream or both up to `depth`
   * hops, at most {@link LINEAGE_MAX_NODES} nodes, then drawn by the describers. Throws
   * NotFoundError when the node has no edges and no describer knows it.
   */
  async graph(options: LineageQuery): Promise<LineageGraph> {
    const { root, direction, depth } = options;
    const directions =
      direction === 'both'
        ? (['upstream', 'downstream'] as const)
        : ([direction] as const);
    // One hop beyond the limit tells whether the limit cut anything.
    const walks = await Promise.all(
      directions.map(d =>
        this.store.walk({
          start: root,
          direction: d,
          maxDepth: depth + 1,
          maxRows: MAX_WALK_ROWS,
        }),
      ),
    );
    const collected = collect(root, walks, depth);
    const nodes = await this.describe(collected.nodes);
    const rootNode = nodes[0];
    if (
      collected.edges.length === 0 &&
      !rootNode.known &&
      // Edges the other way make it a node all the same.
      !(direction !== 'both' && (await this.store.hasEdges(root)))
    ) {
      throw new NotFoundError(`No lineage for ${root.kind} '${root.id}'`);
    }
    return {
      root: rootNode.key,
      nodes,
      edges: collected.edges,
      truncated: collected.truncated,
    };
  }

  /**
   * The nodes upstream of each of many nodes of one kind (roots left out), undescribed,
   * keyed by root id: batched recursive queries, for callers that want ids rather than
   * a drawing.
   */
  async upstreamOfEach(
    kind: LineageNodeKind,
    ids: string[],
    depth: number,
  ): Promise<Map<string, LineageNodeRef[]>> {
    const byRoot = new Map<string, LineageNodeRef[]>(ids.map(id => [id, []]));
    const rows = await this.store.upstreamOfEach({
      kind,
      ids,
      maxDepth: depth,
    });
    for (const { rootId, node } of rows) {
      if (node.kind === kind && node.id === rootId) continue;
      byRoot.get(rootId)?.push(node);
    }
    return byRoot;
  }

  /**
   * Registers a dataset through the portal, owned by the caller's group unless another
   * is named (which a user must belong to). Without a digest the source's stands in,
   * so registering the same name and source twice is a ConflictError.
   */
  async registerDataset(
    caller: Caller,
    input: {
      name: string;
      source: string;
      sourceType?: string;
      digest?: string;
      schema?: string;
      owner?: string;
      residency?: string;
    },
  ): Promise<CatalogDataset> {
    const owner = input.owner ?? caller.owner;
    // Users and mapped service principals register for their own groups only.
    this.requireAccess().assertMember(caller, 'register datasets', owner);
    return this.store.createDataset({
      name: input.name,
      source: input.source,
      sourceType: input.sourceType ?? sourceTypeOf(input.source),
      digest:
        input.digest ??
        createHash('sha256').update(input.source).digest('hex').slice(0, 8),
      schema: input.schema,
      owner,
      residency: input.residency,
    });
  }

  async getDataset(caller: Caller, id: string): Promise<CatalogDataset> {
    const dataset = await this.store.getDataset(id);
    if (!dataset) throw new NotFoundError(`No dataset with id '${id}'`);
    await this.requireAccess().authorize(caller, mlDatasetReadPermission, {
      owner: dataset.owner,
      describe: `dataset '${dataset.name}'`,
    });
    return dataset;
  }

  /** A dataset by id, for permission lookups; undefined when there is none. */
  findDataset(id: string): Promise<CatalogDataset | undefined> {
    return this.store.getDataset(id);
  }

  async searchDatasets(
    caller: Caller,
    options: { q?: string; limit?: number },
  ): Promise<CatalogDataset[]> {
    const datasets = await this.store.searchDatasets({
      q: options.q,
      limit: options.limit ?? 100,
    });
    return this.requireAccess().filter(
      caller,
      mlDatasetReadPermission,
      datasets,
      d => d.owner,
    );
  }

  async recordDatasetInputs(
    target: LineageNodeRef,
    datasets: NewDataset[],
    trx?: Knex.Transaction,
  ): Promise<CatalogDataset[]> {
    const recorded: CatalogDataset[] = [];
    for (const dataset of datasets) {
      recorded.push(await this.store.upsertDataset(dataset, trx));
    }
    await this.record(
      recorded.map(d => ({
        from: { kind: 'dataset', id: d.id },
        to: target,
        relation: 'input_to',
      })),
      trx,
    );
    return recorded;
  }

  async resolveDatasetRefs(refs: string[]): Promise<Map<string, string>> {
    const resolved = new Map<string, string>();
    if (refs.length === 0) return resolved;
    for (const dataset of await this.store.getDatasets(refs)) {
      resolved.set(dataset.id, dataset.id);
    }
    const byName = await this.store.newestDatasetsByName(
      refs.filter(ref => !resolved.has(ref)),
    );
    for (const [name, dataset] of byName) resolved.set(name, dataset.id);
    return resolved;
  }

  /** One describer call per kind; nodes nobody knows are drawn by their id. */
  private async describe(refs: LineageNodeRef[]): Promise<LineageNode[]> {
    const idsByKind = new Map<LineageNodeKind, string[]>();
    for (const ref of refs) {
      idsByKind.set(ref.kind, [...(idsByKind.get(ref.kind) ?? []), ref.id]);
    }
    const described = new Map(
      await Promise.all(
        [...idsByKind].map(
          async ([kind, ids]) =>
            [kind, (await this.describers[kind]?.(ids)) ?? new Map()] as const,
        ),
      ),
    );
    return refs.map(ref => {
      const description = described.get(ref.kind)?.get(ref.id);
      return {
        ...description,
        kind: ref.kind,
        id: ref.id,
        key: lineageNodeKey(ref),
        label: description?.label ?? ref.id,
        known: description !== undefined,
      };
    });
  }
}

/**
 * The nodes (root first, then by distance) and distinct edges of the walks within
 * `depth` hops and the node cap; `truncated` when either limit left something out.
 */
function collect(
  root: LineageNodeRef,
  walks: WalkedEdge[][],
  depth: number,
): { nodes: LineageNodeRef[]; edges: LineageEdge[]; truncated: boolean } {
  const nodes = new Map([[lineageNodeKey(root), root]]);
  const edges = new Map<string, LineageEdge>();
  let truncated = walks.some(walk => walk.length >= MAX_WALK_ROWS);
  const within = walks
    .flat()
    .filter(e => e.depth <= depth)
    .sort((a, b) => a.depth - b.depth);
  for (const walked of within) {
    const from = lineageNodeKey(walked.from);
    const to = lineageNodeKey(walked.to);
    const key = `${from}|${to}|${walked.relation}`;
    if (edges.has(key)) continue;
    const added = [walked.from, walked.to].filter(
      n => !nodes.has(lineageNodeKey(n)),
    );
    if (nodes.size + added.length > LINEAGE_MAX_NODES) {
      truncated = true;
      continue;
    }
    for (const node of added) nodes.set(lineageNodeKey(node), node);
    edges.set(key, {
      from,
      to,
      relation: walked.relation,
      createdAt: walked.createdAt,
    });
  }
  // An edge one hop beyond the limit that is not in the graph yet was cut by the depth.
  if (!truncated) {
    truncated = walks
      .flat()
      .some(
        e =>
          e.depth > depth &&
          !edges.has(
            `${lineageNodeKey(e.from)}|${lineageNodeKey(e.to)}|${e.relation}`,
          ),
      );
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
}

/** MLflow's source type from a URI's scheme (`s3://…` → `s3`); paths are `local`. */
function sourceTypeOf(source: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)?.[1];
  return scheme ? scheme.toLowerCase() : 'local';
}
