/**
 * Parsing of the submit form's text fields: the command line into argv, and
 * `NAME=value` lines into environment variables or secret references.
 */

/** The argv of a command line, or why it cannot be split. @internal */
export type SplitCommand = { argv: string[]; error?: string };

/**
 * Splits a command line the way a POSIX shell splits words: blanks separate
 * arguments, single quotes keep everything literal, double quotes keep blanks
 * and honour `\"`, `\\`, `\$` and `` \` ``, a backslash outside quotes escapes the
 * next character and a backslash before a newline continues the line. Nothing is
 * expanded: there is no shell on the other side, the argv is run as it is.
 *
 * @internal
 */
export function splitCommandLine(text: string): SplitCommand {
  const argv: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  const append = (chars: string) => {
    word = (word ?? '') + chars;
  };

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else append(char);
    } else if (quote === '"') {
      if (char === '"') {
        quote = undefined;
      } else if (char === '\\' && '"\\$`\n'.includes(text[i + 1] ?? '')) {
        i += 1;
        if (text[i] !== '\n') append(text[i]);
      } else {
        append(char);
      }
    } else if (char === '\\') {
      i += 1;
      if (i === text.length) {
        return { argv, error: 'The command ends with a lone backslash' };
      }
      if (text[i] !== '\n') append(text[i]);
    } else if (char === "'" || char === '"') {
      quote = char;
      append('');
    } else if (/\s/.test(char)) {
      if (word !== undefined) argv.push(word);
      word = undefined;
    } else {
      append(char);
    }
  }
  if (quote) {
    return {
      argv,
      error: `Unterminated ${quote === "'" ? 'single' : 'double'} quote`,
    };
  }
  if (word !== undefined) argv.push(word);
  return { argv };
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=value` pairs in the order written, or the first line that is not one. @internal */
export type Assignments = {
  entries: Array<{ name: string; value: string }>;
  error?: string;
};

/**
 * Reads `NAME=value` lines. Blank lines and lines starting with `#` are skipped;
 * the value is everything after the first `=`, kept as written. A name that is
 * not a valid environment variable name, a repeated name or (unless
 * `allowEmptyValue`) an empty value is an error naming its line.
 *
 * @internal
 */
export function parseAssignments(
  text: string,
  options: { allowEmptyValue: boolean },
): Assignments {
  const entries: Assignments['entries'] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `Line ${index + 1}`;
    const equals = line.indexOf('=');
    if (equals < 0) {
      return { entries, error: `${at}: expected NAME=value` };
    }
    const name = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    if (!VARIABLE_NAME.test(name)) {
      return { entries, error: `${at}: "${name}" is not a variable name` };
    }
    if (seen.has(name)) {
      return { entries, error: `${at}: ${name} is set twice` };
    }
    if (!value && !options.allowEmptyValue) {
      return { entries, error: `${at}: ${name} has no value` };
    }
    seen.add(name);
    entries.push({ name, value });
  }
  return { entries };
}
