import { ReactNode } from 'react';
import {
  Box,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';

/** A column of a cost table: its header and how a row fills it. @internal */
export type CostColumn<T> = {
  title: string;
  align?: 'right';
  minWidth?: number;
  cell: (row: T) => ReactNode;
};

/** The Cost page's small tables: a sentence when there are no rows, else a dense table. @internal */
export function CostTable<T>(props: {
  label: string;
  columns: CostColumn<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: ReactNode;
}) {
  const { label, columns, rows, rowKey, empty } = props;
  if (rows.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        {empty}
      </Typography>
    );
  }
  return (
    <Box overflow="auto">
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {columns.map(column => (
              <TableCell
                key={column.title}
                align={column.align}
                style={
                  column.minWidth ? { minWidth: column.minWidth } : undefined
                }
              >
                {column.title}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map(row => (
            <TableRow key={rowKey(row)}>
              {columns.map(column => (
                <TableCell key={column.title} align={column.align}>
                  {column.cell(row)}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
