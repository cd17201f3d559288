import { Content, InfoCard } from '@backstage/core-components';
import { Page } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import { DependencyList, ReactNode, useState } from 'react';
import { DataTable, DataTableProps } from './DataTable';
import { badFilterMessage } from './FilterBox';
import { Loaded } from './Loaded';
import { PagedTable } from './PagedTable';
import { usePageTokens } from './paging';
import { HowToFill, SnippetEmptyState } from './SnippetEmptyState';
import { sameDeps, useLiveAsync } from './usePolledAsync';

/** The page of a list that a {@link ListPage} asks for. @internal */
export type PageRequest = { maxResults: number; pageToken?: string };

/** The props of a {@link ListPage}. @internal */
export type ListPageProps<T> = Pick<DataTableProps<T>, 'columns' | 'rowKey'> & {
  /** The card's title, e.g. `Registered models`. */
  title: string;
  /** What the list holds, one and many: `['model', 'models']`. */
  noun: [string, string];
  /** Loads one page of the list as searched. */
  load: (page: PageRequest) => Promise<Page<T>>;
  /** What `load` searches by: a change loads the list again from its first page. */
  search: DependencyList;
  /** Whether the search narrows the list, so that an empty answer only matches nothing. */
  searching: boolean;
  /** The search box(es) above the table, told why the server refused a filter. */
  controls: (filterError: string | undefined) => ReactNode;
  /** What the page says while the list holds nothing at all. */
  howToFill: HowToFill;
  /** `false` for a list the server answers whole: no paging controls. */
  paged?: boolean;
};

/**
 * A domain's list page: search controls over a table of what the server
 * found, paged by token and loaded again while open (others fill these lists
 * in the background); or, while the list is empty, how to fill it.
 *
 * @internal
 */
export function ListPage<T>(props: ListPageProps<T>) {
  const { title, noun, load, search, searching, controls, howToFill } = props;
  const [one, many] = noun;
  const table = {
    label: many,
    columns: props.columns,
    rowKey: props.rowKey,
    empty: `No ${one} matches.`,
  };
  const paging = usePageTokens();
  // A new search starts from the first page, before its first load.
  const [searched, setSearched] = useState(search);
  if (!sameDeps(searched, search)) {
    setSearched(search);
    paging.reset();
  }

  const list = useLiveAsync(
    () => load({ maxResults: paging.pageSize, pageToken: paging.pageToken }),
    [...search, paging.pageSize, paging.pageToken],
  );

  const filterError = badFilterMessage(list.error);
  const unsearched = !searching && paging.pageNumber === 1;
  if (list.value?.items.length === 0 && unsearched) {
    return (
      <Content>
        <SnippetEmptyState {...howToFill} maxWidth={720} />
      </Content>
    );
  }

  return (
    <Content>
      <InfoCard title={title}>
        <Box sx={{ mb: 2 }}>{controls(filterError)}</Box>
        <Loaded
          state={list}
          errorTitle={`Could not list ${many}`}
          hideError={filterError !== undefined}
        >
          {page =>
            props.paged === false ? (
              <DataTable {...table} rows={page.items} />
            ) : (
              <PagedTable {...table} page={page} paging={paging} />
            )
          }
        </Loaded>
      </InfoCard>
    </Content>
  );
}
