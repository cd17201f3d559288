import {
  Content,
  Link,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';
import {
  Feature,
  FeatureDataSource,
  FeatureEntity,
  FeatureViewDetails,
  FeatureViewVersion,
} from '@ml-portal/plugin-ml-common';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { PageTrail } from '../common/PageTrail';
import { teamName } from '../common/teams';
import { LineageGraph } from '../lineage/LineageGraph';
import { formatSeconds, formatTtl, storesLabel } from './featureFormat';
import { FreshnessChip } from './FreshnessChip';
import { TagChips } from './TagChips';

type UsedBy = FeatureViewDetails['usedBy'][number];

const usedByKind: Record<UsedBy['kind'], string> = {
  run: 'Run',
  job: 'Training job',
  model_version: 'Model version',
};

/** A source by name, with its type and what it reads when the catalog knows it. */
function SourceLabel(props: { name?: string; sources: FeatureDataSource[] }) {
  const { name, sources } = props;
  if (!name) return <>{MISSING}</>;
  const source = sources.find(candidate => candidate.name === name);
  if (!source) return <>{name}</>;
  return (
    <>
      {name}{' '}
      <Typography component="span" variant="body2" color="text.secondary">
        ({source.type}
        {source.location && (
          <>
            , <code>{source.location}</code>
          </>
        )}
        )
      </Typography>
    </>
  );
}

function ViewSummary(props: {
  view: FeatureViewDetails;
  sources: FeatureDataSource[];
}) {
  const { view, sources } = props;
  return (
    <StructuredMetadataTable
      metadata={{
        owner: teamName(view.owner),
        project: view.project,
        stores: storesLabel(view),
        'batch source': (
          <SourceLabel name={view.batchSource} sources={sources} />
        ),
        'stream source': (
          <SourceLabel name={view.streamSource} sources={sources} />
        ),
        TTL: formatTtl(view.ttlSeconds),
        tags: <TagChips tags={view.tags} />,
        version: `v${view.version}`,
        created: formatTime(view.createdAt),
        updated: formatTime(view.updatedAt),
      }}
    />
  );
}

function Freshness(props: { view: FeatureViewDetails }) {
  const { freshness, ttlSeconds } = props.view;
  return (
    <StructuredMetadataTable
      metadata={{
        status: <FreshnessChip freshness={freshness} />,
        'last materialised': formatTime(freshness.lastMaterializedAt),
        age: formatSeconds(freshness.ageSeconds),
        'allowed age': `${formatSeconds(freshness.sloSeconds)}${
          freshness.sloSeconds !== undefined &&
          freshness.sloSeconds === ttlSeconds
            ? ' (its TTL)'
            : ''
        }`,
      }}
    />
  );
}

/** Why a stale view matters, and what brings it back. */
function StaleWarning(props: { view: FeatureViewDetails }) {
  const { freshness } = props.view;
  return (
    <Alert severity="warning">
      <strong>Stale:</strong> its data is {formatSeconds(freshness.ageSeconds)}{' '}
      old, beyond the allowed {formatSeconds(freshness.sloSeconds)}
      {freshness.lastMaterializedAt !== undefined &&
        ` (last materialised ${formatTime(freshness.lastMaterializedAt)})`}
      . Models served from the online store read outdated values until it is
      materialised again, e.g. with <code>feast materialize-incremental</code>.
    </Alert>
  );
}

const schemaColumns: DataColumn<Feature>[] = [
  { title: 'Feature', render: feature => <code>{feature.name}</code> },
  { title: 'Type', render: feature => feature.valueType },
  {
    title: 'Description',
    wrap: true,
    render: feature => feature.description ?? '',
  },
  { title: 'Tags', render: feature => <TagChips tags={feature.tags} /> },
];

/** An entity of the view; the catalog may not know it (the registry left it out). */
type ViewEntity = { name: string; entity?: FeatureEntity };

const entityColumns: DataColumn<ViewEntity>[] = [
  { title: 'Entity', render: row => row.name },
  {
    title: 'Join keys',
    render: row => row.entity?.joinKeys.join(', ') || MISSING,
  },
  { title: 'Type', render: row => row.entity?.valueType ?? MISSING },
  {
    title: 'Description',
    wrap: true,
    render: row => row.entity?.description ?? '',
  },
];

const versionColumns: DataColumn<FeatureViewVersion>[] = [
  { title: 'Version', render: version => `v${version.version}` },
  { title: 'Imported', render: version => formatTime(version.importedAt) },
  {
    title: 'Changes',
    wrap: true,
    render: version =>
      version.changes.length > 0 ? version.changes.join('; ') : MISSING,
  },
];

function UsedByLink(props: { item: UsedBy }) {
  const paths = useMlPaths();
  const { item } = props;
  if (!item.path || !paths) return <>{item.label}</>;
  return <Link to={paths.relative(item.path)}>{item.label}</Link>;
}

const usedByColumns: DataColumn<UsedBy>[] = [
  { title: 'Kind', render: item => usedByKind[item.kind] ?? item.kind },
  { title: 'Name', render: item => <UsedByLink item={item} /> },
];

function ViewDetails(props: {
  view: FeatureViewDetails;
  entities: FeatureEntity[];
  sources: FeatureDataSource[];
}) {
  const { view } = props;
  const inProject = <T extends { project: string }>(rows: T[]) =>
    rows.filter(row => row.project === view.project);
  const entities = inProject(props.entities);
  const sources = inProject(props.sources);
  const viewEntities = view.entities.map(name => ({
    name,
    entity: entities.find(entity => entity.name === name),
  }));
  const versions = [...view.versions].sort((a, b) => b.version - a.version);
  return (
    <Grid container spacing={3}>
      {view.freshness.status === 'stale' && (
        <Grid item xs={12}>
          <StaleWarning view={view} />
        </Grid>
      )}
      <GridCard
        md={7}
        title={view.name}
        subheader={view.description || 'No description'}
      >
        <ViewSummary view={view} sources={sources} />
      </GridCard>
      <GridCard md={5} title="Freshness">
        <Freshness view={view} />
      </GridCard>
      <GridCard title="Schema" subheader={`${view.features.length} features`}>
        <DataTable
          label="schema"
          columns={schemaColumns}
          rows={view.features}
          rowKey={feature => feature.name}
          empty="The view declares no feature."
        />
      </GridCard>
      <GridCard md={6} title="Entities">
        <DataTable
          label="entities"
          columns={entityColumns}
          rows={viewEntities}
          rowKey={row => row.name}
          empty="No entity: the view is keyed by nothing."
        />
      </GridCard>
      <GridCard
        md={6}
        title="Feature services"
        subheader="Services that serve it"
      >
        {view.services.length > 0 ? (
          <Box
            component="ul"
            sx={{ m: 0, pl: 3 }}
            aria-label="feature services"
          >
            {view.services.map(service => (
              <li key={service}>{service}</li>
            ))}
          </Box>
        ) : (
          <MutedText>No feature service includes it.</MutedText>
        )}
      </GridCard>
      <GridCard
        md={6}
        title="Used by"
        subheader="Runs, jobs and model versions"
      >
        <DataTable
          label="used by"
          columns={usedByColumns}
          rows={view.usedBy}
          rowKey={item => `${item.kind}:${item.id}`}
          empty="Nothing recorded as reading it yet."
        />
      </GridCard>
      <GridCard md={6} title="Version history">
        <DataTable
          label="version history"
          columns={versionColumns}
          rows={versions}
          rowKey={version => String(version.version)}
          empty="No version recorded."
        />
      </GridCard>
      <GridCard title="Lineage">
        <LineageGraph node={{ kind: 'feature_view', id: view.id }} />
      </GridCard>
    </Grid>
  );
}

/** One feature view: what it holds, how fresh, who reads it, how it changed. @internal */
export function FeatureViewPage() {
  const { project = '', name = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const view = useAsync(
    () => mlApi.getFeatureView(project, name),
    [mlApi, project, name],
  );
  // Join keys and source details enrich the page; without them it still stands.
  const related = useAsync(async () => {
    const [entities, sources] = await Promise.all([
      mlApi.listFeatureEntities(),
      mlApi.listFeatureSources(),
    ]);
    return { entities, sources };
  }, [mlApi]);

  const trail = [
    { label: 'Features', to: '..' },
    { label: project, to: `..?project=${encodeURIComponent(project)}` },
    { label: name },
  ];
  if (view.loading) return <Progress />;
  if (!view.value) {
    return (
      <Content>
        <PageTrail crumbs={trail} />
        <ResponseErrorPanel
          error={view.error!}
          title="Could not load the feature view"
        />
      </Content>
    );
  }
  return (
    <Content>
      <PageTrail crumbs={trail} />
      <ViewDetails
        view={view.value}
        entities={related.value?.entities ?? []}
        sources={related.value?.sources ?? []}
      />
    </Content>
  );
}
