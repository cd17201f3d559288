import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';

/** Marks a published folder with the task that wrote it, so only that task rewrites it. */
const MARKER = '.scaffolder-task';

/**
 * `ml:publish:local`: copies the workspace to `<directory>/<name>` on the backend's
 * host, for installs without a Git host (the local demo); templates keep the real
 * publishers (`publish:github`) behind a parameter. Refused unless
 * `ml.scaffolder.localPublish` is set; a folder another task wrote is never
 * overwritten.
 *
 * @public
 */
export function createMlPublishLocalAction(options: {
  /** Where projects are published; undefined: the action refuses. */
  directory?: string;
}) {
  return createTemplateAction({
    id: 'ml:publish:local',
    description:
      "Publishes the workspace to a folder on the portal's host (ml.scaffolder.localPublish), for installs without a Git host.",
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .regex(
              /^[a-z0-9][a-z0-9._-]{0,99}$/,
              'one folder name: a-z 0-9 . _ -',
            )
            .describe('Folder name of the project'),
        sourcePath: z =>
          z.string().optional().describe('Part of the workspace to publish'),
      },
      output: {
        path: z => z.string(),
        remoteUrl: z => z.string().describe('file:// URL of the folder'),
      },
    },
    async handler(ctx) {
      const root = options.directory;
      if (!root) {
        throw new InputError(
          'Publishing to a local folder is off: set ml.scaffolder.localPublish (enabled, directory), or publish to a Git host',
        );
      }
      const target = resolveSafeChildPath(root, ctx.input.name);
      const source = resolveSafeChildPath(
        ctx.workspacePath,
        ctx.input.sourcePath ?? '.',
      );
      const writer = await readFile(join(target, MARKER), 'utf8').catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        },
      );
      const exists = await stat(target).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
      if (exists && writer !== ctx.task.id) {
        throw new ConflictError(
          `${target} already exists; choose another name`,
        );
      }
      if (!ctx.isDryRun) {
        // A retry of the same task replaces what its first try wrote.
        await rm(target, { recursive: true, force: true });
        await mkdir(root, { recursive: true });
        await cp(source, target, { recursive: true });
        await writeFile(join(target, MARKER), ctx.task.id);
        ctx.logger.info(`Published to ${target}`);
      }
      ctx.output('path', target);
      ctx.output('remoteUrl', `file://${target}`);
    },
  });
}
