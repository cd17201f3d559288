import { toPlatformName } from '@ml-portal/plugin-ml-node';

/**
 * The Azure ML job name of an attempt's external name. Azure ML job names are chosen by
 * the caller, so the name is what makes dispatch idempotent: unchanged when it follows
 * Azure ML's rule (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$`), else normalised with a hash of
 * the original (see `toPlatformName`).
 *
 * @public
 */
export function toAzureMlJobName(externalName: string): string {
  return toPlatformName(externalName, {
    valid: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/,
    allowed: /a-zA-Z0-9_-/,
    maxLength: 255,
  });
}
