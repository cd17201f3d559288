import { ModelVersion } from '@ml-portal/plugin-ml-common';
import { Caller, actorOf } from '../shared/caller';
import { AuditEntry } from './RegistryStore';

/** The audit event of a change to one version. @internal */
export function versionAudit(
  caller: Caller,
  version: ModelVersion,
  action: string,
  detail: string,
): AuditEntry {
  return { actor: actorOf(caller), action, detail, version: version.version };
}
