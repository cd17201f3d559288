import TableCell from '@mui/material/TableCell';
import TableSortLabel from '@mui/material/TableSortLabel';
import { ReactNode } from 'react';

/** The order of a search: one identifier of the MLflow grammar and a direction. @internal */
export type RunOrder = { identifier: string; direction: 'ASC' | 'DESC' };

/** The `orderBy` of a search request for an order. @internal */
export function orderByClause(
  order: RunOrder | undefined,
): string[] | undefined {
  return order && [`${order.identifier} ${order.direction}`];
}

/**
 * A column header that orders the search by its identifier: first in the
 * column's natural direction, then flipping on each click.
 *
 * @internal
 */
export function SortableHeader(props: {
  identifier: string;
  defaultDirection: 'ASC' | 'DESC';
  order: RunOrder | undefined;
  onOrder: (order: RunOrder) => void;
  align?: 'left' | 'right';
  children: ReactNode;
}) {
  const { identifier, defaultDirection, order, onOrder, align, children } =
    props;
  const active = order?.identifier === identifier;
  const flip = (direction: 'ASC' | 'DESC') =>
    direction === 'ASC' ? 'DESC' : 'ASC';
  const ascending = (active ? order.direction : defaultDirection) === 'ASC';
  const direction = ascending ? 'asc' : 'desc';
  return (
    <TableCell align={align} sortDirection={active ? direction : false}>
      <TableSortLabel
        active={active}
        direction={direction}
        onClick={() =>
          onOrder({
            identifier,
            direction: active ? flip(order.direction) : defaultDirection,
          })
        }
      >
        {children}
      </TableSortLabel>
    </TableCell>
  );
}
