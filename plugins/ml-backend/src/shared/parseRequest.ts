import { InputError } from '@backstage/errors';
import { z } from 'zod';

/**
 * Validates a request's query or body with a zod schema; the first problem becomes an
 * InputError (400) naming the field. A missing body counts as `{}`.
 *
 * @internal
 */
export function parseRequest<T extends z.ZodTypeAny>(
  schema: T,
  input: unknown,
): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InputError(
      `Invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
  }
  return result.data;
}
