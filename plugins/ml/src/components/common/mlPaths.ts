import { useRouteRef } from '@backstage/frontend-plugin-api';
import { rootRouteRef } from '../../routes';

const segment = encodeURIComponent;

/** The cost page's filters as they travel in its URL. @internal */
export type CostFilters = { month?: string; team?: string };

/** The query string of the cost page's filters, `?team=…&month=…`, or `''`. @internal */
export function costSearch(filters: CostFilters): string {
  const query = new URLSearchParams();
  if (filters.team) query.set('team', filters.team);
  if (filters.month) query.set('month', filters.month);
  const search = query.toString();
  return search ? `?${search}` : '';
}

/**
 * Paths to the ML Platform's pages wherever the app mounts them, for links
 * between its pages and from cards on other plugins' pages; `undefined` when
 * the app has no ML Platform page.
 *
 * @internal
 */
export function useMlPaths() {
  const root = useRouteRef(rootRouteRef);
  const base = root?.();
  if (base === undefined) return undefined;
  return {
    job: (jobId: string) => `${base}/training/jobs/${segment(jobId)}`,
    experiment: (experimentId: string) =>
      `${base}/experiments/${segment(experimentId)}`,
    run: (experimentId: string, runId: string) =>
      `${base}/experiments/${segment(experimentId)}/runs/${segment(runId)}`,
    cost: (filters: CostFilters = {}) => `${base}/cost${costSearch(filters)}`,
    /** A page by its path relative to the ML page, as the backend names it (lineage nodes, catalog assets). */
    relative: (path: string) => `${base}/${path}`,
    models: () => `${base}/models`,
    model: (name: string) => `${base}/models/${segment(name)}`,
    modelVersion: (name: string, version: string) =>
      `${base}/models/${segment(name)}/versions/${segment(version)}`,
    dataset: (id: string) => `${base}/datasets/${segment(id)}`,
    featureView: (project: string, name: string) =>
      `${base}/features/views/${segment(project)}/${segment(name)}`,
  };
}
