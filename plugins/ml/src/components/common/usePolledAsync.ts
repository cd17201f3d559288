import { DependencyList, useRef } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';

/** Whether two dependency lists hold the same values, as React compares them. @internal */
export const sameDeps = (a: DependencyList, b: DependencyList) =>
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

/**
 * How often a list page that others fill in the background (jobs logging runs, a
 * scheduled Feast import, the demo seeding) loads again while it is open.
 *
 * @internal
 */
export const LIVE_REFRESH_MS = 15_000;

/**
 * A list that stays current on its own: loads again every {@link LIVE_REFRESH_MS},
 * keeping what it shows while it does, so a user who opened the page before the data
 * arrived is not left with an empty page.
 *
 * @internal
 */
export function useLiveAsync<T>(fn: () => Promise<T>, deps: DependencyList) {
  return usePolledAsync(fn, deps, () => LIVE_REFRESH_MS);
}
