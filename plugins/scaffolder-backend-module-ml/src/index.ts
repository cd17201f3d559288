/**
 * Scaffolder actions of the ML platform (`ml:experiment:create`, `ml:training:submit`,
 * `ml:model:register`, `ml:deployment:create`, `ml:team:onboard`, `ml:publish:local`,
 * `ml:budget:set`), run as the user who starts the template.
 *
 * @packageDocumentation
 */
export { scaffolderModuleMl as default } from './module';
export * from './actions';
export { MlApiError, MlPortalClient, isMlApiStatus } from './MlPortalClient';
export type { MlApi } from './MlPortalClient';
