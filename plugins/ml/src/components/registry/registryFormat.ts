import {
  ModelAlias,
  ModelVersion,
  RegisteredModel,
} from '@ml-portal/plugin-ml-common';

/** Version numbers compared as numbers (`10` after `9`), as MLflow numbers them. @internal */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** Versions, newest first. @internal */
export function newestFirst<T extends { version: string }>(versions: T[]): T[] {
  return [...versions].sort((a, b) => compareVersions(b.version, a.version));
}

/** A model's newest version of any stage, from MLflow's `latest_versions`. @internal */
export function latestVersion(
  model: Pick<RegisteredModel, 'latestVersions'>,
): ModelVersion | undefined {
  return newestFirst(model.latestVersions)[0];
}

/** Aliases of one version, from the model's alias list. @internal */
export function aliasesOf(aliases: ModelAlias[], version: string): string[] {
  return aliases.filter(a => a.version === version).map(a => a.alias);
}

/**
 * The version to show a model by: the one its `production` alias points at, else
 * the newest in stage Production, else the newest.
 *
 * @internal
 */
export function featuredVersion(
  aliases: ModelAlias[],
  versions: ModelVersion[],
): ModelVersion | undefined {
  const sorted = newestFirst(versions);
  const aliased = aliases.find(a => a.alias === 'production')?.version;
  return (
    sorted.find(v => v.version === aliased) ??
    sorted.find(v => v.currentStage === 'Production') ??
    sorted[0]
  );
}

/** A string literal of MLflow's search grammar: its parser takes either quote and escapes neither. */
function mlflowString(text: string): string {
  if (!text.includes("'")) return `'${text}'`;
  return `"${text.replace(/"/g, '')}"`;
}

/** Text that already is an MLflow filter, e.g. `tags.team = 'growth'`. */
const FILTER_EXPRESSION =
  /^\s*(name|tags\.(`[^`]+`|[\w.-]+))(\s*(=|!=|<>)|\s+I?LIKE\s)/i;

/**
 * What was typed in the models' search box as an MLflow filter: a name fragment
 * becomes `name LIKE '%fragment%'`; a filter expression is passed on as typed;
 * nothing is no filter.
 *
 * @internal
 */
export function modelSearchFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (FILTER_EXPRESSION.test(trimmed)) return trimmed;
  return `name LIKE ${mlflowString(`%${trimmed}%`)}`;
}

/**
 * Why an alias name cannot be used, as MLflow rules it (letters, digits, `_` and
 * `-`; not `latest` and not `v<number>`, which name versions), or undefined.
 *
 * @internal
 */
export function aliasProblem(alias: string): string | undefined {
  if (!alias) return 'Name the alias, e.g. production';
  if (!/^[A-Za-z0-9_-]+$/.test(alias)) {
    return 'Letters, digits, _ and - only';
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    return `'${alias}' is reserved: it names versions`;
  }
  return undefined;
}

/** A user or group ref as people read it: `user:default/alice` → `alice`. @internal */
export function actorName(ref: string): string {
  return ref.replace(/^[a-z]+:/i, '').replace(/^default\//i, '');
}
