/** One record of a CSV file and the line it starts on (1-based). @internal */
export type CsvRecord = { fields: string[]; line: number };

/**
 * A small RFC 4180 CSV reader: comma-separated fields, fields quoted with `"` may hold
 * commas, line breaks and doubled quotes (`""` → `"`), records end with LF, CRLF or CR,
 * a leading byte order mark is dropped and blank lines are skipped. Throws an `Error`
 * naming the line for an unclosed quote, a quote inside an unquoted field or text after
 * a closing quote, rather than guessing.
 *
 * @internal
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        blank = false;
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0)
            throw new Error(
              `line ${startLine}: a quoted field is not closed (missing ")`,
            );
          const chunk = text.slice(i, quote);
          for (
            let j = chunk.indexOf('\n');
            j >= 0;
            j = chunk.indexOf('\n', j + 1)
          )
            line++;
          value += chunk;
          if (text[quote + 1] === '"') {
            value += '"';
            i = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
          throw new Error(
            `line ${line}: unexpected text after the closing quote of a field`,
          );
      } else {
        const start = i;
        while (i < n) {
          const c = text[i];
          if (c === ',' || c === '\n' || c === '\r') break;
          if (c === '"')
            throw new Error(
              `line ${line}: a quote inside an unquoted field (quote the whole field and double its quotes)`,
            );
          i++;
        }
        value = text.slice(start, i);
        if (value) blank = false;
      }
      fields.push(value);
      if (text[i] === ',') {
        i++;
        blank = false;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (!blank) records.push({ fields, line: startLine });
  }
  return records;
}
