import { Link } from '@backstage/core-components';
import Typography from '@mui/material/Typography';
import {
  FeatureDataSource,
  FeatureEntity,
  FeatureService,
  FeatureView,
} from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { teamName } from '../common/teams';
import { useMlPaths } from '../common/mlPaths';
import { formatTtl, storesLabel } from './featureFormat';
import { FreshnessChip } from './FreshnessChip';

/** How many feature names a row of the views table shows before "…". @internal */
export const FEATURE_NAMES_SHOWN = 3;

/** A feature view's name, linking to its page. */
function FeatureViewLink(props: { project: string; name: string }) {
  const { project, name } = props;
  const paths = useMlPaths();
  if (!paths) return <>{name}</>;
  return <Link to={paths.featureView(project, name)}>{name}</Link>;
}

const owner = (row: { owner?: string }) =>
  row.owner ? teamName(row.owner) : MISSING;

const featureViewColumns: DataColumn<FeatureView>[] = [
  {
    title: 'Name',
    render: view => <FeatureViewLink project={view.project} name={view.name} />,
  },
  { title: 'Project', render: view => view.project },
  { title: 'Entities', render: view => view.entities.join(', ') || MISSING },
  {
    title: 'Features',
    wrap: true,
    render: view => {
      const names = view.features.map(feature => feature.name);
      const shown = names.slice(0, FEATURE_NAMES_SHOWN).join(', ');
      return (
        <>
          <strong>{names.length}</strong>
          {names.length > 0 && (
            <Typography component="span" variant="body2" color="text.secondary">
              {' '}
              {shown}
              {names.length > FEATURE_NAMES_SHOWN ? ', …' : ''}
            </Typography>
          )}
        </>
      );
    },
  },
  { title: 'Owner', render: owner },
  { title: 'Stores', render: storesLabel },
  { title: 'TTL', render: view => formatTtl(view.ttlSeconds) },
  {
    title: 'Freshness',
    render: view => <FreshnessChip freshness={view.freshness} />,
  },
  { title: 'Version', align: 'right', render: view => `v${view.version}` },
  { title: 'Updated', render: view => formatTime(view.updatedAt) },
];

/** Feature views, one line each, linking to their pages. @internal */
export function FeatureViewsTable(props: { views: FeatureView[] }) {
  return (
    <DataTable
      label="feature views"
      columns={featureViewColumns}
      rows={props.views}
      rowKey={view => view.id}
      empty="No feature view matches."
    />
  );
}

const byProjectAndName = (row: { project: string; name: string }) =>
  `${row.project}/${row.name}`;

const entityColumns: DataColumn<FeatureEntity>[] = [
  { title: 'Name', render: entity => entity.name },
  { title: 'Project', render: entity => entity.project },
  { title: 'Join keys', render: entity => entity.joinKeys.join(', ') },
  { title: 'Type', render: entity => entity.valueType ?? MISSING },
  { title: 'Owner', render: owner },
  {
    title: 'Description',
    wrap: true,
    render: entity => entity.description ?? '',
  },
];

/** The entities feature views are keyed by. @internal */
export function EntitiesTable(props: { entities: FeatureEntity[] }) {
  return (
    <DataTable
      label="entities"
      columns={entityColumns}
      rows={props.entities}
      rowKey={byProjectAndName}
      empty="No entity."
    />
  );
}

const sourceColumns: DataColumn<FeatureDataSource>[] = [
  { title: 'Name', render: source => source.name },
  { title: 'Project', render: source => source.project },
  { title: 'Type', render: source => source.type },
  {
    title: 'Location',
    wrap: true,
    render: source => (source.location ? <code>{source.location}</code> : ''),
  },
  {
    title: 'Timestamp field',
    render: source => source.timestampField ?? MISSING,
  },
  { title: 'Owner', render: owner },
];

/** The batch and stream sources feature views read. @internal */
export function DataSourcesTable(props: { sources: FeatureDataSource[] }) {
  return (
    <DataTable
      label="data sources"
      columns={sourceColumns}
      rows={props.sources}
      rowKey={byProjectAndName}
      empty="No data source."
    />
  );
}

const serviceColumns: DataColumn<FeatureService>[] = [
  { title: 'Name', render: service => service.name },
  { title: 'Project', render: service => service.project },
  {
    title: 'Feature views',
    wrap: true,
    render: service =>
      service.featureViews.map((projection, index) => (
        <span key={projection.name}>
          {index > 0 && ', '}
          <FeatureViewLink project={service.project} name={projection.name} />
          {projection.features.length > 0 && ` (${projection.features.length})`}
        </span>
      )),
  },
  { title: 'Owner', render: owner },
  {
    title: 'Description',
    wrap: true,
    render: service => service.description ?? '',
  },
];

/** Feature services: the sets of features a model is served. @internal */
export function FeatureServicesTable(props: { services: FeatureService[] }) {
  return (
    <DataTable
      label="feature services"
      columns={serviceColumns}
      rows={props.services}
      rowKey={byProjectAndName}
      empty="No feature service."
    />
  );
}
