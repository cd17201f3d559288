import { ModelVersion } from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime } from '../common/format';
import { AliasChips } from './AliasChips';
import { newestFirst } from './registryFormat';
import { SourceRunLink, VersionLink } from './registryLinks';
import { VersionStatus } from './VersionStatus';

function versionColumns(protectedAliases?: string[]) {
  const columns: DataColumn<ModelVersion>[] = [
    {
      title: 'Version',
      render: version => (
        <VersionLink name={version.name} version={version.version} />
      ),
    },
    { title: 'Stage', render: version => version.currentStage },
    {
      title: 'Aliases',
      render: version => (
        <AliasChips
          aliases={version.aliases.map(alias => ({ alias }))}
          protectedAliases={protectedAliases}
        />
      ),
    },
    {
      title: 'Source run',
      render: version => <SourceRunLink version={version} />,
    },
    {
      title: 'Created',
      render: version => formatTime(version.creationTimestamp),
    },
    {
      title: 'Status',
      render: version => (
        <VersionStatus
          status={version.status}
          message={version.statusMessage}
        />
      ),
    },
  ];
  return columns;
}

/** A model's versions, newest first. @internal */
export function VersionsTable(props: {
  versions: ModelVersion[];
  protectedAliases?: string[];
}) {
  return (
    <DataTable
      label="versions"
      columns={versionColumns(props.protectedAliases)}
      rows={newestFirst(props.versions)}
      rowKey={version => version.version}
      empty="No versions yet: register one from a run."
      emptyAs="text"
    />
  );
}
