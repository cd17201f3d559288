import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';

/** Params, tags: a two-column table of keys and values. @internal */
export function KeyValueTable(props: {
  label: string;
  rows: Array<{ key: string; value: string }>;
  emptyText: string;
}) {
  const { label, rows, emptyText } = props;
  if (rows.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        {emptyText}
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={label}>
      <TableHead>
        <TableRow>
          <TableCell>Key</TableCell>
          <TableCell>Value</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {[...rows]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map(row => (
            <TableRow key={row.key}>
              <TableCell>{row.key}</TableCell>
              <TableCell style={{ wordBreak: 'break-word' }}>
                {row.value}
              </TableCell>
            </TableRow>
          ))}
      </TableBody>
    </Table>
  );
}
