import { mockCredentials } from '@backstage/backend-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';

/**
 * Runs `action` with Scaffolder's mock context as `user` and returns its outputs.
 * `checkpoints` stands in for the task's stored state: pass the same map to a second
 * run to replay a retried step, as the workflow runner does.
 */
export async function runAction(
  action: TemplateAction<any, any>,
  input: JsonObject,
  options: {
    user: string;
    isDryRun?: boolean;
    checkpoints?: Map<string, JsonValue>;
    workspacePath?: string;
    taskId?: string;
  },
): Promise<Record<string, JsonValue>> {
  const checkpoints = options.checkpoints ?? new Map<string, JsonValue>();
  const outputs: Record<string, JsonValue> = {};
  const ctx = {
    ...createMockActionContext({
      input,
      workspacePath: options.workspacePath,
      task: { id: options.taskId ?? 'task-1' },
    }),
    isDryRun: options.isDryRun,
    getInitiatorCredentials: async () => mockCredentials.user(options.user),
    async checkpoint<T>(opts: { key: string; fn: () => Promise<T> | T }) {
      if (!checkpoints.has(opts.key)) {
        checkpoints.set(opts.key, (await opts.fn()) as JsonValue);
      }
      return checkpoints.get(opts.key) as T;
    },
    output(name: string, value: JsonValue) {
      outputs[name] = value;
    },
  };
  await action.handler(ctx as any);
  return outputs;
}
