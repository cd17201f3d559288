import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { ReactNode } from 'react';

/** An answer from the server as a page shows it: progress, the error, or what it holds. @internal */
export function Loaded<T>(props: {
  state: { loading: boolean; error?: Error; value?: T };
  /** Says what could not be loaded, e.g. `Could not list models`. */
  errorTitle: string;
  /** The error is shown elsewhere (a refused filter, under the search box). */
  hideError?: boolean;
  children: (value: T) => ReactNode;
}) {
  const { state, errorTitle, hideError, children } = props;
  if (state.loading) return <Progress />;
  if (state.error) {
    return hideError ? null : (
      <ResponseErrorPanel error={state.error} title={errorTitle} />
    );
  }
  if (state.value === undefined) return null;
  return <>{children(state.value)}</>;
}
