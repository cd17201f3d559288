import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  costRouteRef,
  datasetRouteRef,
  datasetsRouteRef,
  deploymentsRouteRef,
  endpointRouteRef,
  experimentRouteRef,
  featureViewRouteRef,
  jobRouteRef,
  modelRouteRef,
  modelsRouteRef,
  modelVersionRouteRef,
  pipelineRouteRef,
  profileRouteRef,
  rootRouteRef,
  runRouteRef,
} from '../../routes';

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
  const experiment = useRouteRef(experimentRouteRef);
  const run = useRouteRef(runRouteRef);
  const models = useRouteRef(modelsRouteRef);
  const model = useRouteRef(modelRouteRef);
  const modelVersion = useRouteRef(modelVersionRouteRef);
  const datasets = useRouteRef(datasetsRouteRef);
  const dataset = useRouteRef(datasetRouteRef);
  const job = useRouteRef(jobRouteRef);
  const cost = useRouteRef(costRouteRef);
  const featureView = useRouteRef(featureViewRouteRef);
  const deployments = useRouteRef(deploymentsRouteRef);
  const endpoint = useRouteRef(endpointRouteRef);
  const pipeline = useRouteRef(pipelineRouteRef);
  const profile = useRouteRef(profileRouteRef);
  // The sub-routes resolve exactly when their parent, the ML page, does.
  if (
    !root ||
    !experiment ||
    !run ||
    !models ||
    !model ||
    !modelVersion ||
    !datasets ||
    !dataset ||
    !job ||
    !cost ||
    !featureView ||
    !deployments ||
    !endpoint ||
    !pipeline ||
    !profile
  ) {
    return undefined;
  }
  // Params are encoded whole: the router leaves spaces and `%` as they are.
  return {
    job: (jobId: string) => job({ jobId: segment(jobId) }),
    /** A training profile's page: its current version and every earlier one. */
    profile: (name: string) => profile({ name: segment(name) }),
    experiment: (experimentId: string) =>
      experiment({ experimentId: segment(experimentId) }),
    run: (experimentId: string, runId: string) =>
      run({ experimentId: segment(experimentId), runId: segment(runId) }),
    cost: (filters: CostFilters = {}) => `${cost()}${costSearch(filters)}`,
    /** A page by its path relative to the ML page, as the backend names it (lineage nodes, catalog assets). */
    relative: (path: string) => `${root()}/${path}`,
    models: () => models(),
    model: (name: string) => model({ name: segment(name) }),
    modelVersion: (name: string, version: string) =>
      modelVersion({ name: segment(name), version: segment(version) }),
    datasets: () => datasets(),
    dataset: (id: string) => dataset({ id: segment(id) }),
    featureView: (project: string, name: string) =>
      featureView({ project: segment(project), name: segment(name) }),
    deployments: () => deployments(),
    endpoint: (name: string) => endpoint({ endpoint: segment(name) }),
    /** A model's promotion pipeline: its stages and the endpoints serving them. */
    pipeline: (modelName: string) => pipeline({ name: segment(modelName) }),
  };
}
