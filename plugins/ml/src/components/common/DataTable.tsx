import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { ReactNode } from 'react';
import { MutedText } from './MutedText';

/** One column of a {@link DataTable}. @internal */
export type DataColumn<T> = {
  title: string;
  render: (row: T) => ReactNode;
  align?: 'right';
  /**
   * Long text (descriptions, change lists) wraps, `'anywhere'` breaking a long
   * word (URIs, digests) where it must; everything else stays on one line.
   */
  wrap?: boolean | 'anywhere';
};

const wrapStyles = {
  cell: { whiteSpace: 'nowrap' },
  wrap: { whiteSpace: 'normal', minWidth: 200 },
  anywhere: { whiteSpace: 'normal', minWidth: 200, wordBreak: 'break-word' },
} as const;

function cellSx<T>(column: DataColumn<T>) {
  if (column.wrap === 'anywhere') return wrapStyles.anywhere;
  return column.wrap ? wrapStyles.wrap : wrapStyles.cell;
}

/** The props of a {@link DataTable}. @internal */
export type DataTableProps<T> = {
  label: string;
  columns: DataColumn<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  /**
   * `'row'`: the headings stay and `empty` stands under them (a list a search
   * narrows); `'text'`: `empty` stands instead of the table.
   */
  emptyAs?: 'row' | 'text';
};

/**
 * A small table of objects, one row each, saying `empty` when there is none:
 * the plugin's lists share it so they look and read the same.
 *
 * @internal
 */
export function DataTable<T>(props: DataTableProps<T>) {
  const { label, columns, rows, rowKey, empty, emptyAs = 'row' } = props;
  if (rows.length === 0 && emptyAs === 'text') {
    return <MutedText>{empty}</MutedText>;
  }
  return (
    <Box sx={{ overflow: 'auto' }}>
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {columns.map(column => (
              <TableCell
                key={column.title}
                align={column.align}
                sx={cellSx(column)}
              >
                {column.title}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={columns.length}>
                <MutedText>{empty}</MutedText>
              </TableCell>
            </TableRow>
          )}
          {rows.map(row => (
            <TableRow key={rowKey(row)} hover>
              {columns.map(column => (
                <TableCell
                  key={column.title}
                  align={column.align}
                  sx={cellSx(column)}
                >
                  {column.render(row)}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
