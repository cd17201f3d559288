import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EXAMPLES = join(__dirname, '../../../../../examples/feast');

/** The JSON of an example dump in `examples/feast`, as `feast registry-dump` printed it. */
export function exampleRegistry(
  file: 'registry.json' | 'registry-changed.json' = 'registry.json',
): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8'));
}

/** The end of the example's last materializations, give or take: `driver_activity` is stale then. */
export const EXAMPLE_NOW = Date.parse('2026-11-23T13:50:00Z');
