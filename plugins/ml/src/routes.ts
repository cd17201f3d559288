import {
  createRouteRef,
  createSubRouteRef,
} from '@backstage/frontend-plugin-api';

/** The ML Platform page, `/ml` by default. @public */
export const rootRouteRef = createRouteRef();

// The pages inside the ML page's tabs. Their paths are part of the API: the
// backend names pages by them too (lineage nodes, catalog assets).
const subRoute = <Path extends string>(path: Path) =>
  createSubRouteRef({ parent: rootRouteRef, path });

/** @internal */
export const experimentRouteRef = subRoute('/experiments/:experimentId');
/** @internal */
export const runRouteRef = subRoute('/experiments/:experimentId/runs/:runId');
/** @internal */
export const modelsRouteRef = subRoute('/models');
/** @internal */
export const modelRouteRef = subRoute('/models/:name');
/** @internal */
export const modelVersionRouteRef = subRoute('/models/:name/versions/:version');
/** @internal */
export const datasetsRouteRef = subRoute('/datasets');
/** @internal */
export const datasetRouteRef = subRoute('/datasets/:id');
/** @internal */
export const jobRouteRef = subRoute('/training/jobs/:jobId');
/** @internal */
export const profileRouteRef = subRoute('/training/profiles/:name');
/** @internal */
export const costRouteRef = subRoute('/cost');
/** @internal */
export const featureViewRouteRef = subRoute('/features/views/:project/:name');
/** @internal */
export const deploymentsRouteRef = subRoute('/deployments');
/** @internal */
export const endpointRouteRef = subRoute('/deployments/:endpoint');
/** @internal */
export const pipelineRouteRef = subRoute('/deployments/pipelines/:name');
