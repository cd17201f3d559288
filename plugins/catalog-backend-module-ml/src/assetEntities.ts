import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  DEFAULT_NAMESPACE,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  KubernetesValidatorFunctions,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import {
  ML_ASSET_NAME_ANNOTATION,
  ML_ENDPOINT_ANNOTATIONS,
  MlCatalogAsset,
  assetEntityName,
} from '@ml-portal/plugin-ml-common';

/** What every published entity shares: where the ML pages are and where the data came from. @internal */
export type AssetEntityContext = {
  /** The frontend's base URL (`app.baseUrl`); links point at `<appBaseUrl>/ml/<path>`. */
  appBaseUrl: string;
  /** The ml backend's base URL, named in the entities' `managed-by` annotations. */
  mlBaseUrl: string;
};

const MAX_TAG_LENGTH = 63;

/**
 * A tag as the catalog accepts it (`[a-z0-9:+#]` words joined by single `-`, at most 63
 * characters), or undefined when nothing of it survives.
 *
 * @internal
 */
export function toCatalogTag(tag: string): string | undefined {
  const sanitised = tag
    .toLowerCase()
    .replace(/[^a-z0-9:+#]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_TAG_LENGTH)
    .replace(/-+$/, '');
  return sanitised || undefined;
}

function resourceRef(entityName: string): string {
  return `resource:${DEFAULT_NAMESPACE}/${entityName}`;
}

/** What an endpoint serves and where, as annotations and a link to its scoring URL. */
function endpointFacts(endpoint: MlCatalogAsset['endpoint']): {
  annotations: Record<string, string>;
  links: Array<{ url: string; title: string }>;
} {
  if (!endpoint) return { annotations: {}, links: [] };
  return {
    annotations: {
      [ML_ENDPOINT_ANNOTATIONS.modelVersions]: endpoint.versions.join(','),
      [ML_ENDPOINT_ANNOTATIONS.servingTarget]: endpoint.target,
      [ML_ENDPOINT_ANNOTATIONS.kind]: endpoint.kind,
      [ML_ENDPOINT_ANNOTATIONS.status]: endpoint.status,
    },
    links: endpoint.url ? [{ url: endpoint.url, title: 'Scoring URL' }] : [],
  };
}

/**
 * The `Resource` entity of one ML asset. `dependsOn` follows lineage upstream; the
 * catalog derives the inverse `dependencyOf` relations itself. The asset's exact name is
 * the title and the `ml.platform/asset-name` annotation, whatever the ml backend sent as
 * annotations.
 *
 * A serving endpoint is a `Resource` too (`spec.type: ml-endpoint`), not a `Component`:
 * Backstage's model keeps `Component` for software a team builds and ships from source
 * (with a lifecycle, a repository, docs), and `Resource` for the runtime infrastructure
 * components need, like a database. An endpoint is the latter: the platform runs it,
 * it is created and deleted from the portal, and a team's service that calls it says
 * `dependsOn: resource:default/endpoint-<name>`. It keeps every ML asset one kind, so
 * the `dependsOn` chain service → endpoint → model → dataset is `Resource`s throughout,
 * checked by one schema. A `Component` would also claim a `spec.lifecycle` the endpoint
 * does not have (a batch or staging endpoint is no production service) and, for
 * `providesApis`, an `API` entity per endpoint that would only repeat MLflow's scoring
 * protocol. The served versions, target, kind and status are annotations (versions are
 * no entities of their own), the scoring URL a link.
 *
 * A training profile is a `Resource` as well (`spec.type: ml-training-profile`, its
 * current version in `ml.platform/profile-version`): like a database class or a queue,
 * it is something the platform team provides and owns and that teams' work runs on.
 * A custom kind would need its own validator, processor and catalog UI for no
 * relation or field a `Resource` lacks.
 *
 * @internal
 */
export function assetToEntity(
  asset: MlCatalogAsset,
  context: AssetEntityContext,
): Entity {
  const location = `ml-platform:${context.mlBaseUrl}`;
  // Paths arrive URL-encoded per segment from the ml backend; only the joint is ours.
  const url = `${context.appBaseUrl.replace(
    /\/+$/,
    '',
  )}/ml/${asset.path.replace(/^\/+/, '')}`;
  const tags = [
    ...new Set(
      asset.tags.map(toCatalogTag).filter((t): t is string => Boolean(t)),
    ),
  ];
  const endpoint = endpointFacts(asset.endpoint);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: asset.entityName,
      namespace: DEFAULT_NAMESPACE,
      title: asset.title,
      ...(asset.description ? { description: asset.description } : {}),
      tags,
      links: [{ url, title: 'Open in ML Platform' }, ...endpoint.links],
      annotations: {
        ...asset.annotations,
        ...endpoint.annotations,
        [ML_ASSET_NAME_ANNOTATION]: asset.title,
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
      },
    },
    spec: {
      type: asset.type,
      owner: asset.owner,
      dependsOn: [...new Set(asset.dependsOn)].map(resourceRef),
    },
  };
}

const entityPolicy = EntityPolicies.allOf([
  new FieldFormatEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/**
 * Why the catalog would refuse the entity of this asset, or why this module does, or
 * undefined when it is valid. Runs the catalog's own field-format and `Resource` schema
 * checks, plus the references (owner, dependsOn) that the catalog would only reject
 * later, while processing. The entity name must be the one {@link assetEntityName} gives
 * the asset's type and exact name (its title): no asset publishes under another's name,
 * whatever the ml backend sent.
 *
 * @internal
 */
export async function findEntityProblem(
  asset: MlCatalogAsset,
  entity: Entity,
): Promise<string | undefined> {
  try {
    await entityPolicy.enforce(entity);
    await resourceEntityV1alpha1Validator.check(entity);
    parseEntityRef(asset.owner, {
      defaultKind: 'Group',
      defaultNamespace: DEFAULT_NAMESPACE,
    });
  } catch (error) {
    return (error as Error).message;
  }
  const expectedName = assetEntityName(asset.type, asset.title);
  if (asset.entityName !== expectedName) {
    return `entity name is not the one of ${asset.type} ${JSON.stringify(
      asset.title,
    )}, which is '${expectedName}'`;
  }
  const badUpstream = asset.dependsOn.filter(
    name => !KubernetesValidatorFunctions.isValidObjectName(name),
  );
  if (badUpstream.length > 0) {
    return `dependsOn names invalid entities: ${badUpstream.join(', ')}`;
  }
  return undefined;
}
