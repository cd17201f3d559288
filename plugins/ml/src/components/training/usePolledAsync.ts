import { DependencyList, useRef } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';

const sameDeps = (a: DependencyList, b: DependencyList) =>
  a.length === b.length && a.every((item, index) => Object.is(item, b[index]));

/**
 * `useAsyncRetry` that loads again `pollMs(value)` milliseconds after each load
 * finishes, or never when that is `null`; loads never overlap. A failed refresh
 * keeps the last value next to its error, so a page does not blank on one
 * dropped request.
 *
 * @internal
 */
export function usePolledAsync<T>(
  fn: () => Promise<T>,
  deps: DependencyList,
  pollMs: (value: T | undefined) => number | null,
) {
  const state = useAsyncRetry(fn, deps);
  const last = useRef<{ deps: DependencyList; value: T }>();
  if (state.value !== undefined) last.current = { deps, value: state.value };
  const value =
    state.value ??
    (last.current && sameDeps(last.current.deps, deps)
      ? last.current.value
      : undefined);
  useInterval(state.retry, state.loading ? null : pollMs(value));
  return {
    value,
    error: state.error,
    /** Loading with nothing to show yet: the first load, not a refresh. */
    loading: state.loading && value === undefined,
    retry: state.retry,
  };
}
