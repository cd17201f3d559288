import { FeatureImportResult } from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime } from '../common/format';

/** How many of the latest imports the list shows. @internal */
export const RECENT_IMPORTS_SHOWN = 5;

const importColumns: DataColumn<FeatureImportResult>[] = [
  { title: 'Imported', render: result => formatTime(result.importedAt) },
  { title: 'Source', wrap: true, render: result => result.source },
  { title: 'Projects', render: result => result.projects.join(', ') },
  {
    title: 'Changes',
    render: result =>
      `+${result.added.length} ~${result.changed.length} −${result.removed.length}, ${result.unchanged} unchanged`,
  },
];

/** The latest registry imports (the server lists them newest first). @internal */
export function RecentImports(props: { imports: FeatureImportResult[] }) {
  return (
    <DataTable
      label="recent imports"
      columns={importColumns}
      rows={props.imports.slice(0, RECENT_IMPORTS_SHOWN)}
      rowKey={result => result.id}
      empty="Nothing imported yet."
    />
  );
}
