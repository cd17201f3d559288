import { pipeline, Readable } from 'node:stream';
import { CsvError, Options, parse } from 'csv-parse';

/** One record of a CSV file and the line it starts on (1-based). @internal */
export type CsvRecord = { fields: string[]; line: number };

/** What the reader says for the malformed quoting it names, rather than csv-parse's wording. */
const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed (missing ")',
  INVALID_OPENING_QUOTE:
    'a quote inside an unquoted field (quote the whole field and double its quotes)',
  CSV_INVALID_CLOSING_QUOTE:
    'unexpected text after the closing quote of a field',
};

const lineBreaks = (field: string) => field.match(/\r\n|\r|\n/g)?.length ?? 0;

/**
 * Reads an RFC 4180 CSV (a text, or a stream of bytes read as it comes) with csv-parse:
 * fields quoted with `"` may hold commas, line breaks and doubled quotes, records end
 * with LF, CRLF or CR (mixed in one file too), a leading byte order mark is dropped and
 * blank lines are skipped. Records may differ in length; the caller checks them.
 * Malformed quoting throws an `Error` naming the line the record starts on.
 *
 * @internal
 */
export async function* readCsv(
  input: string | Readable,
): AsyncGenerator<CsvRecord> {
  // csv-parse counts a CRLF inside a quoted field as two lines, so lines are counted
  // here as records come out of the parser (before any error it meets later): a
  // record spans one line plus the line breaks of its quoted fields, and each skipped
  // blank line is one more.
  let nextLine = 1;
  let emptyLines = 0;
  const startLine = (skippedBefore: number) =>
    nextLine + skippedBefore - emptyLines;
  const options: Options<CsvRecord, string[]> = {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    on_record: (fields: string[], { empty_lines }): CsvRecord => {
      const record = { fields, line: startLine(empty_lines) };
      emptyLines = empty_lines;
      nextLine =
        record.line + 1 + fields.reduce((n, f) => n + lineBreaks(f), 0);
      return record;
    },
  };
  // parse() is typed for string[] records only; on_record makes them CsvRecords.
  const parser = parse(options as unknown as Options);
  // A failing source (an upload over its bound, a file read error) fails the parser,
  // and a parser stopped early stops its source.
  pipeline(
    typeof input === 'string' ? Readable.from([input]) : input,
    parser,
    () => {},
  );
  try {
    yield* parser as AsyncIterable<CsvRecord>;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const at = startLine(Number(e.empty_lines ?? emptyLines));
    throw new Error(`line ${at}: ${MESSAGES[e.code] ?? e.message}`);
  } finally {
    parser.destroy();
  }
}
