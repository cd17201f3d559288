import { DataTable, DataTableProps } from './DataTable';
import { PageControls, PageTokens } from './paging';

/** One page of a server-paged list as a {@link DataTable}, with the controls to page on. @internal */
export function PagedTable<T>(
  props: Omit<DataTableProps<T>, 'rows' | 'emptyAs'> & {
    page: { items: T[]; nextPageToken?: string };
    paging: PageTokens;
  },
) {
  const { page, paging, ...table } = props;
  return (
    <>
      <DataTable {...table} rows={page.items} />
      <PageControls paging={paging} nextPageToken={page.nextPageToken} />
    </>
  );
}
