/**
 * `record[key]` when `key` is the record's own property, else undefined. For lookups by
 * user-supplied keys: a plain object also answers `constructor`, `toString` or
 * `__proto__` from its prototype.
 *
 * @internal
 */
export function ownValue<T>(
  record: Readonly<Record<string, T>>,
  key: string,
): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
