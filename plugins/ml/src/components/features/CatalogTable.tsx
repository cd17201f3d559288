import {
  Box,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { ReactNode } from 'react';

/** One column of a {@link CatalogTable}. @internal */
export type CatalogColumn<T> = {
  title: string;
  render: (row: T) => ReactNode;
  align?: 'right';
  /** Long text (descriptions, change lists) wraps; everything else stays on one line. */
  wrap?: boolean;
};

const useStyles = makeStyles({
  cell: { whiteSpace: 'nowrap' },
  wrap: { whiteSpace: 'normal', minWidth: 200 },
});

/**
 * A small table of catalog objects, one row each, saying `empty` when there is
 * none: the feature catalog's lists share it so they look and read the same.
 *
 * @internal
 */
export function CatalogTable<T>(props: {
  label: string;
  columns: CatalogColumn<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: ReactNode;
}) {
  const { label, columns, rows, rowKey, empty } = props;
  const classes = useStyles();
  const cellClass = (column: CatalogColumn<T>) =>
    column.wrap ? classes.wrap : classes.cell;
  return (
    <Box overflow="auto">
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {columns.map(column => (
              <TableCell
                key={column.title}
                align={column.align}
                className={cellClass(column)}
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
                <Typography variant="body2" color="textSecondary">
                  {empty}
                </Typography>
              </TableCell>
            </TableRow>
          )}
          {rows.map(row => (
            <TableRow key={rowKey(row)} hover>
              {columns.map(column => (
                <TableCell
                  key={column.title}
                  align={column.align}
                  className={cellClass(column)}
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
