import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { FeatureImportResult } from '@ml-portal/plugin-ml-common';
import { FeaturesService } from './FeaturesService';

/** A registry dump a job writes to a file, imported on a schedule. @internal */
export type FeatureImportFile = { id: string; path: string };

/** `ml.features.imports: [{ id, path }]`; ids name the import in the history. @internal */
export function readFeatureImportFiles(config: Config): FeatureImportFile[] {
  const files = (
    config.getOptionalConfigArray('ml.features.imports') ?? []
  ).map(c => ({ id: c.getString('id'), path: c.getString('path') }));
  const ids = new Set<string>();
  for (const { id } of files) {
    if (ids.has(id))
      throw new Error(`ml.features.imports: id '${id}' is used twice`);
    ids.add(id);
  }
  return files;
}

/**
 * Imports one configured file: read again each time, so every run sees the latest
 * dump; a relative path is resolved against the backend's working directory.
 *
 * @internal
 */
export async function importRegistryFile(
  features: FeaturesService,
  file: FeatureImportFile,
  owner: string,
): Promise<FeatureImportResult> {
  const path = resolve(file.path);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return features.importRegistry(text, { source: file.id, owner });
}

/**
 * Schedules the imports of `ml.features.imports` every
 * `ml.features.importIntervalMinutes` (default 60). A failing file is logged and
 * retried on the next run; it never stops the others or the backend.
 *
 * @internal
 */
export async function scheduleFeatureImports(options: {
  features: FeaturesService;
  config: Config;
  scheduler: SchedulerService;
  logger: LoggerService;
  /** Owner of imported views whose Feast owner maps to no group. */
  owner: string;
}): Promise<void> {
  const { features, config, scheduler, logger, owner } = options;
  const files = readFeatureImportFiles(config);
  if (files.length === 0) return;
  await scheduler.scheduleTask({
    id: 'ml-feature-imports',
    frequency: {
      minutes:
        config.getOptionalNumber('ml.features.importIntervalMinutes') ?? 60,
    },
    timeout: { minutes: 10 },
    initialDelay: { seconds: 10 },
    fn: () => runFeatureImports({ features, files, logger, owner }),
  });
}

/** One round of the scheduled imports. @internal */
export async function runFeatureImports(options: {
  features: FeaturesService;
  files: FeatureImportFile[];
  logger: LoggerService;
  owner: string;
}): Promise<void> {
  for (const file of options.files) {
    try {
      const result = await importRegistryFile(
        options.features,
        file,
        options.owner,
      );
      options.logger.info(
        `Imported Feast registry ${file.id}: ${result.added.length} views added, ${result.changed.length} changed, ${result.removed.length} removed, ${result.unchanged} unchanged`,
      );
      // Warnings repeat on every run of an unchanged file; say them when it changed.
      const changed =
        result.added.length + result.changed.length + result.removed.length > 0;
      for (const warning of changed ? result.warnings ?? [] : []) {
        options.logger.warn(`Feast registry ${file.id}: ${warning}`);
      }
    } catch (error) {
      options.logger.warn(
        `Could not import Feast registry ${file.id}: ${
          (error as Error).message
        }`,
      );
    }
  }
}
