/**
 * The ml backend plugin.
 *
 * @packageDocumentation
 */
export { mlPlugin as default } from './plugin';
