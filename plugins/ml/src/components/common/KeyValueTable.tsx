import { DataColumn, DataTable } from './DataTable';

type KeyValue = { key: string; value: string };

const keyValueColumns: DataColumn<KeyValue>[] = [
  { title: 'Key', render: row => row.key },
  { title: 'Value', wrap: 'anywhere', render: row => row.value },
];

/** Params, tags: a two-column table of keys and values. @internal */
export function KeyValueTable(props: {
  label: string;
  rows: KeyValue[];
  emptyText: string;
}) {
  return (
    <DataTable
      label={props.label}
      columns={keyValueColumns}
      rows={[...props.rows].sort((a, b) => a.key.localeCompare(b.key))}
      rowKey={row => row.key}
      empty={props.emptyText}
      emptyAs="text"
    />
  );
}
