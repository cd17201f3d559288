/**
 * String scans for user input, in place of regular expressions such as `/\/+$/` or
 * `/\\*$/`: those backtrack from every position of a long run of the repeated character,
 * quadratic in its length (160 KB of backslashes held the event loop for seconds). Each
 * helper here reads every character at most once.
 */

/**
 * How many times `char` (one UTF-16 unit) repeats at the end of `text`.
 *
 * @internal
 */
export function countTrailing(text: string, char: string): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end--;
  return text.length - end;
}

/**
 * How many times `char` (one UTF-16 unit) repeats at the start of `text`.
 *
 * @internal
 */
export function countLeading(text: string, char: string): number {
  let start = 0;
  while (start < text.length && text[start] === char) start++;
  return start;
}

/**
 * `text` without the run of `char` it ends with: `trimTrailing('a//', '/')` is `'a'`,
 * as `text.replace(/\/+$/, '')`.
 *
 * @internal
 */
export function trimTrailing(text: string, char: string): string {
  return text.slice(0, text.length - countTrailing(text, char));
}

/**
 * `text` without the run of `char` it starts with, as `text.replace(/^\/+/, '')`.
 *
 * @internal
 */
export function trimLeading(text: string, char: string): string {
  return text.slice(countLeading(text, char));
}

/**
 * `text` without the runs of `char` at either end, as `text.replace(/^\/+|\/+$/g, '')`.
 *
 * @internal
 */
export function trimBoth(text: string, char: string): string {
  return trimTrailing(trimLeading(text, char), char);
}

/**
 * A request value for an error message: strings, numbers, booleans and null as JSON,
 * anything else by its kind. Never `JSON.stringify` on a whole request value, which
 * recurses into (and overflows the stack on) deeply nested JSON, nor `String()`, which
 * throws on an object whose `toString` is not a function.
 *
 * @internal
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'a list';
      return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  }
}

const [OTHER, QUOTE, BACKSLASH, OPEN, CLOSE] = [0, 1, 2, 3, 4];

/** What each byte is to {@link jsonNestsDeeperThan}. */
const JSON_BYTE = (() => {
  const table = new Uint8Array(256);
  table[0x22] = QUOTE; // "
  table[0x5c] = BACKSLASH; // \
  table[0x5b] = OPEN; // [
  table[0x7b] = OPEN; // {
  table[0x5d] = CLOSE; // ]
  table[0x7d] = CLOSE; // }
  return table;
})();

/**
 * Whether JSON text nests arrays and objects deeper than `max`, read in one pass
 * without parsing (brackets inside strings do not count). Deep nesting is what makes
 * `JSON.parse` slow (a megabyte of `[` takes a few hundred milliseconds) and
 * `JSON.stringify` overflow the stack. Bytes of UTF-8 work as well as text: the
 * characters looked for are ASCII, which never occurs inside a multi-byte sequence.
 *
 * @internal
 */
export function jsonNestsDeeperThan(
  json: string | Uint8Array,
  max: number,
): boolean {
  // One tight loop over bytes (the request body's hot path); a string (a field's JSON,
  // rare) is encoded first. UTF-8 never puts these ASCII bytes inside a multi-byte char.
  const bytes = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    // Most bytes are none of the five: one table read passes them (half the time of
    // comparing each with every one).
    const kind = JSON_BYTE[bytes[i]];
    if (kind === OTHER) continue;
    if (inString) {
      if (kind === BACKSLASH) i++;
      else if (kind === QUOTE) inString = false;
    } else if (kind === QUOTE) {
      inString = true;
    } else if (kind === OPEN) {
      if (++depth > max) return true;
    } else if (kind === CLOSE) {
      depth--;
    }
  }
  return false;
}
