import {
  assetEntityName,
  CatalogDataset,
  Endpoint,
  FeatureView,
  LineageNodeRef,
  MlCatalogAsset,
  ML_MODEL_ANNOTATION,
  ML_PROFILE_VERSION_ANNOTATION,
  ML_READINESS_ANNOTATION,
  ML_TRAINING_PROFILE_ENTITY_TYPE,
  Tag,
  TrainingProfile,
} from '@ml-portal/plugin-ml-common';

/** Catalog tags: lowercase `[a-z0-9:+#-]`, at most 63 characters. */
function catalogTags(tags: Tag[], ...extra: string[]): string[] {
  const names = [
    ...extra,
    ...tags.map(t => (t.value ? `${t.key}-${t.value}` : t.key)),
  ]
    .filter(t => !t.startsWith('mlflow.') && !t.startsWith('mlplatform.'))
    .map(t =>
      t
        .toLowerCase()
        .replace(/[^a-z0-9:+#]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63),
    )
    .filter(Boolean);
  return [...new Set(names)];
}

/** What the asset list is built from: each domain's current records and lineage. @internal */
export type CatalogAssetSources = {
  models: Array<{
    name: string;
    owner: string;
    description?: string;
    tags: Tag[];
    /** Lineage ids of the model's versions. */
    versionIds: string[];
  }>;
  featureViews: FeatureView[];
  datasets: CatalogDataset[];
  endpoints: Endpoint[];
  /** Training profiles at their current versions. */
  profiles?: TrainingProfile[];
  /** Each model's readiness score, `passed/total`, by name. */
  readiness?: Map<string, string>;
  /** What is upstream of each model version (by version id), all asked at once. */
  upstreamOfVersions: (
    versionIds: string[],
  ) => Promise<Map<string, LineageNodeRef[]>>;
};

/**
 * The ML assets as the catalog module publishes them. A dataset is one entity per name
 * (its newest digest; a digest per entity would flood the catalog with every data
 * refresh); a model depends on the datasets and feature views upstream of any of its
 * versions; an endpoint depends on the model it serves. Model versions are no entities
 * of their own (one per training run would flood the catalog), so the versions an
 * endpoint serves are named on it instead.
 *
 * @internal
 */
export async function buildCatalogAssets(
  sources: CatalogAssetSources,
): Promise<MlCatalogAsset[]> {
  const newestDatasets = new Map<string, CatalogDataset>();
  for (const dataset of sources.datasets) {
    const seen = newestDatasets.get(dataset.name);
    if (!seen || seen.createdAt < dataset.createdAt) {
      newestDatasets.set(dataset.name, dataset);
    }
  }
  const datasetNames = new Map(sources.datasets.map(d => [d.id, d.name]));

  const assets: MlCatalogAsset[] = [];
  for (const dataset of newestDatasets.values()) {
    assets.push({
      type: 'dataset',
      entityName: assetEntityName('dataset', dataset.name),
      title: dataset.name,
      description: `${dataset.sourceType} dataset at ${dataset.source} (digest ${dataset.digest})`,
      owner: dataset.owner,
      path: `datasets/${encodeURIComponent(dataset.id)}`,
      tags: catalogTags(
        [],
        'dataset',
        ...(dataset.residency ? [`residency-${dataset.residency}`] : []),
      ),
      dependsOn: [],
      annotations: {},
    });
  }
  const publishedViews = new Set<string>();
  for (const view of sources.featureViews) {
    publishedViews.add(view.id);
    assets.push({
      type: 'feature-view',
      entityName: assetEntityName('feature-view', view.id),
      title: view.id,
      description: view.description,
      owner: view.owner,
      path: `features/views/${encodeURIComponent(
        view.project,
      )}/${encodeURIComponent(view.name)}`,
      tags: catalogTags(view.tags, 'feature-view'),
      dependsOn: [],
      annotations: {},
    });
  }
  const upstreamByVersion = await sources.upstreamOfVersions(
    sources.models.flatMap(model => model.versionIds),
  );
  for (const model of sources.models) {
    const upstream = model.versionIds.flatMap(
      id => upstreamByVersion.get(id) ?? [],
    );
    const dependsOn = new Set<string>();
    for (const node of upstream) {
      if (node.kind === 'dataset' && datasetNames.has(node.id)) {
        dependsOn.add(assetEntityName('dataset', datasetNames.get(node.id)!));
      } else if (node.kind === 'feature_view' && publishedViews.has(node.id)) {
        dependsOn.add(assetEntityName('feature-view', node.id));
      }
    }
    assets.push({
      type: 'ml-model',
      entityName: assetEntityName('ml-model', model.name),
      title: model.name,
      description: model.description,
      owner: model.owner,
      path: `models/${encodeURIComponent(model.name)}`,
      tags: catalogTags(model.tags, 'ml-model'),
      dependsOn: [...dependsOn].sort(),
      annotations: {
        [ML_MODEL_ANNOTATION]: model.name,
        ...(sources.readiness?.has(model.name) && {
          [ML_READINESS_ANNOTATION]: sources.readiness.get(model.name)!,
        }),
      },
    });
  }
  const publishedModels = new Set(sources.models.map(model => model.name));
  for (const endpoint of sources.endpoints) {
    assets.push({
      type: 'ml-endpoint',
      entityName: assetEntityName('ml-endpoint', endpoint.name),
      title: endpoint.name,
      description: endpoint.description,
      owner: endpoint.owner,
      path: `deployments/${encodeURIComponent(endpoint.name)}`,
      tags: catalogTags([], 'ml-endpoint', endpoint.kind),
      // Only a model the list publishes: a relation to no entity would dangle.
      dependsOn: publishedModels.has(endpoint.modelName)
        ? [assetEntityName('ml-model', endpoint.modelName)]
        : [],
      annotations: { [ML_MODEL_ANNOTATION]: endpoint.modelName },
      endpoint: {
        kind: endpoint.kind,
        target: endpoint.target,
        status: endpoint.status,
        ...(endpoint.url && { url: endpoint.url }),
        modelName: endpoint.modelName,
        versions: [...new Set(endpoint.deployments.map(d => Number(d.version)))]
          .sort((a, b) => a - b)
          .map(String),
      },
    });
  }
  for (const profile of sources.profiles ?? []) {
    assets.push({
      type: ML_TRAINING_PROFILE_ENTITY_TYPE,
      entityName: assetEntityName(
        ML_TRAINING_PROFILE_ENTITY_TYPE,
        profile.name,
      ),
      title: profile.name,
      description: profileDescription(profile),
      owner: profile.owner,
      path: `training/profiles/${encodeURIComponent(profile.name)}`,
      tags: catalogTags(
        [],
        ML_TRAINING_PROFILE_ENTITY_TYPE,
        `spot-${profile.spotPolicy}`,
      ),
      dependsOn: [],
      annotations: { [ML_PROFILE_VERSION_ANNOTATION]: String(profile.version) },
    });
  }
  return assets;
}

/** What a profile offers, in one line for search: its description, pools and limits. */
function profileDescription(profile: TrainingProfile): string {
  const { limits, defaults } = profile;
  const facts = [
    `pools ${profile.pools.join(', ')}`,
    ...(limits.maxGpus < Number.MAX_SAFE_INTEGER
      ? [`up to ${limits.maxGpus} GPUs`]
      : []),
    `spot ${profile.spotPolicy}`,
    ...(defaults.checkpointIntervalSeconds
      ? [`checkpoints every ${defaults.checkpointIntervalSeconds} s`]
      : []),
    ...(limits.maxCostPerJobUsd !== undefined
      ? [`at most $${limits.maxCostPerJobUsd} per job`]
      : []),
    ...(defaults.image ? [`image ${defaults.image}`] : []),
  ];
  const summary = `Training profile v${profile.version}: ${facts.join('; ')}`;
  return profile.description ? `${profile.description}. ${summary}` : summary;
}
