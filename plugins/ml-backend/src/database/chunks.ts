/**
 * Slices for multi-row inserts and IN lists: knex writes a multi-row insert for SQLite
 * as one compound SELECT, which SQLite caps at 500 terms.
 *
 * @internal
 */
export function chunks<T>(items: T[], size = 250): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}
