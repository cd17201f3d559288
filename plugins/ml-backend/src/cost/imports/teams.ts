import { InputError } from '@backstage/errors';
import { toGroupRef } from '../../shared/groupRefs';

/**
 * How the lines of a bill are mapped to teams (group entity refs).
 *
 * Precedence, first match wins: the team label/tag on the line (OpenCost: the
 * workload's labels, then its namespace's labels; AWS CUR: the `user:<teamLabel>`
 * cost allocation tag), then `namespaces[namespace]` (OpenCost only), then
 * `defaultTeam`. Lines that match nothing have no team and count as unallocated.
 *
 * @public
 */
export type TeamMapping = {
  /** The label (Kubernetes) or user tag (AWS) naming the team. Defaults to `team`. */
  teamLabel?: string;
  /** Kubernetes namespace → group entity ref (or a bare group name). */
  namespaces?: Record<string, string>;
  /** The team of lines that match nothing else. */
  defaultTeam?: string;
};

/** @internal */
export const DEFAULT_TEAM_LABEL = 'team';

export const teamLabelOf = (mapping: TeamMapping) =>
  mapping.teamLabel ?? DEFAULT_TEAM_LABEL;

/**
 * The team of a line: its team label value, else its namespace's mapped group, else
 * the default team. A label value that is not a valid group ref is skipped, not fatal.
 *
 * @internal
 */
export function mapTeam(
  mapping: TeamMapping,
  found: { label?: string; namespace?: string },
): string | undefined {
  const fromLabel = toGroupRef(found.label);
  if (fromLabel) return fromLabel;
  if (found.namespace !== undefined && mapping.namespaces) {
    const mapped = Object.prototype.hasOwnProperty.call(
      mapping.namespaces,
      found.namespace,
    )
      ? mapping.namespaces[found.namespace]
      : undefined;
    const ref = toGroupRef(mapped);
    if (ref) return ref;
  }
  return toGroupRef(mapping.defaultTeam);
}

/**
 * Checks a mapping before it is used, so a typo in configuration is an error and not
 * silently unallocated spend.
 *
 * @internal
 */
export function validateTeamMapping(mapping: TeamMapping): void {
  if (mapping.teamLabel !== undefined && !mapping.teamLabel.trim())
    throw new InputError('teamLabel must not be empty');
  for (const [namespace, team] of Object.entries(mapping.namespaces ?? {}))
    if (typeof team !== 'string' || !toGroupRef(team))
      throw new InputError(
        `namespaces.${namespace}: '${team}' is not a group entity ref`,
      );
  if (mapping.defaultTeam !== undefined && !toGroupRef(mapping.defaultTeam))
    throw new InputError(
      `defaultTeam: '${mapping.defaultTeam}' is not a group entity ref`,
    );
}

/**
 * Prometheus' label name sanitizing, which OpenCost applies to Kubernetes label names
 * (`app.kubernetes.io/team` → `app_kubernetes_io_team`).
 */
export const sanitizeLabelName = (name: string) =>
  name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(\d)/, '_$1');

/**
 * The value of label `name` in a label map, looked up as written and then as OpenCost
 * stores it (sanitized). Non-string values are ignored.
 *
 * @internal
 */
export function findLabel(labels: unknown, name: string): string | undefined {
  if (!labels || typeof labels !== 'object' || Array.isArray(labels))
    return undefined;
  const map = labels as Record<string, unknown>;
  for (const key of [name, sanitizeLabelName(name)]) {
    const value = Object.prototype.hasOwnProperty.call(map, key)
      ? map[key]
      : undefined;
    if (typeof value === 'string' && value.trim()) return value;
  }
  return undefined;
}
