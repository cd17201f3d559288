import { InfoCard } from '@backstage/core-components';
import { DependencyList } from 'react';
import { DataTable, DataTableProps } from './DataTable';
import { Loaded } from './Loaded';
import { useLiveAsync } from './usePolledAsync';

/**
 * A card of the Overview that lists what waits for the user, refreshed live: the
 * rows `load` answers as a {@link DataTable}, `empty` in place of the table when none.
 *
 * @internal
 */
export function LiveTableCard<T>(
  props: {
    title: string;
    subheader: string;
    load: () => Promise<T[]>;
    deps: DependencyList;
    errorTitle: string;
  } & Omit<DataTableProps<T>, 'rows' | 'emptyAs'>,
) {
  const { title, subheader, load, deps, errorTitle, ...table } = props;
  // The caller's deps say when `load` changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const state = useLiveAsync(load, deps);
  return (
    <InfoCard title={title} subheader={subheader}>
      <Loaded state={state} errorTitle={errorTitle}>
        {rows => <DataTable<T> {...table} rows={rows} emptyAs="text" />}
      </Loaded>
    </InfoCard>
  );
}
