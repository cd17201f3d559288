import { InputError } from '@backstage/errors';

/**
 * A lexical token of a search filter or order_by entry.
 *
 * Identifiers are lexed whole, `entity.key` included, because keys may contain
 * dots (`tags.mlflow.runName`) or be quoted (`metrics.\`my metric\``); a bare
 * word such as `AND`, `LIKE` or `status` is an identifier without an entity.
 *
 * @internal
 */
export type Token = { text: string; position: number } & (
  | { type: 'identifier'; entity?: string; key: string }
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'operator'; value: string }
  | { type: 'punctuation'; value: '(' | ')' | ',' }
);

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const UNQUOTED_KEY = /[A-Za-z0-9_.]+/y;
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
// Longest first, so that `<=` is not read as `<` then `=`.
const OPERATOR = /<=|>=|!=|<>|==|=|<|>/y;

/**
 * Splits `source` into tokens. `label` names the input in error messages,
 * e.g. `filter 'metrics.x > 1'`.
 *
 * @internal
 */
export function tokenize(source: string, label: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;

  const fail = (message: string): never => {
    throw new InputError(`Error on parsing ${label}: ${message}`);
  };

  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = position;
    return pattern.exec(source)?.[0];
  };

  /** Reads a quoted run starting at `position`; a doubled quote stands for one. */
  const readQuoted = (): string => {
    const quote = source[position];
    const start = position;
    let value = '';
    position++;
    for (;;) {
      if (position >= source.length) {
        return fail(`unterminated ${quote} quote at position ${start}`);
      }
      const char = source[position++];
      if (char !== quote) {
        value += char;
      } else if (source[position] === quote) {
        value += quote;
        position++;
      } else {
        return value;
      }
    }
  };

  while (position < source.length) {
    const start = position;
    const char = source[position];

    if (/\s/.test(char)) {
      position++;
      continue;
    }

    if (char === "'" || char === '"') {
      const value = readQuoted();
      tokens.push({
        type: 'string',
        value,
        text: source.slice(start, position),
        position: start,
      });
      continue;
    }

    if (char === '(' || char === ')' || char === ',') {
      position++;
      tokens.push({
        type: 'punctuation',
        value: char,
        text: char,
        position: start,
      });
      continue;
    }

    const number = match(NUMBER);
    if (number !== undefined) {
      position += number.length;
      tokens.push({
        type: 'number',
        value: Number(number),
        text: number,
        position: start,
      });
      continue;
    }

    const operator = match(OPERATOR);
    if (operator !== undefined) {
      position += operator.length;
      tokens.push({
        type: 'operator',
        value: operator,
        text: operator,
        position: start,
      });
      continue;
    }

    const word = match(WORD);
    if (word !== undefined) {
      position += word.length;
      if (source[position] !== '.') {
        tokens.push({
          type: 'identifier',
          key: word,
          text: word,
          position: start,
        });
        continue;
      }
      position++;
      let key: string | undefined;
      if (source[position] === '`' || source[position] === '"') {
        key = readQuoted();
      } else {
        key = match(UNQUOTED_KEY);
        position += key?.length ?? 0;
      }
      if (!key) {
        fail(
          `invalid identifier '${word}.' at position ${start}. Columns should be ` +
            `specified as 'attribute.<key>', 'metric.<key>', 'tag.<key>', ` +
            `'dataset.<key>', or 'param.<key>'`,
        );
      }
      tokens.push({
        type: 'identifier',
        entity: word,
        key: key!,
        text: source.slice(start, position),
        position: start,
      });
      continue;
    }

    // A stray character right after a key usually means the key needed quotes.
    const last = tokens[tokens.length - 1];
    const continuesKey =
      last?.type === 'identifier' && last.position + last.text.length === start;
    const hint = continuesKey
      ? '; keys with special characters must be quoted with backticks or double quotes'
      : '';
    fail(`unexpected character '${char}' at position ${start}${hint}`);
  }
  return tokens;
}
