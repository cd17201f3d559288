import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The ML Platform page, `/ml` by default. @public */
export const rootRouteRef = createRouteRef();
