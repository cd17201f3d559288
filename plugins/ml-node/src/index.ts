/**
 * Backend contracts of the ML platform for modules.
 *
 * @packageDocumentation
 */
export * from './computeTargets';
export * from './servingTargets';
export * from './costSources';
export * from './computeTargetModules';
