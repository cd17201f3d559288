import { Readable } from 'node:stream';
import { CsvRecord, readCsv } from './csv';

const parseCsv = async (input: string | Readable) => {
  const records: CsvRecord[] = [];
  for await (const record of readCsv(input)) records.push(record);
  return records;
};
const fields = async (text: string) =>
  (await parseCsv(text)).map(r => r.fields);

describe('readCsv', () => {
  it('splits plain records and keeps empty fields', async () => {
    expect(await fields('a,b,c\n1,,3\n,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['', '', ''],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', async () => {
    const text =
      'id,description\n' +
      '1,"AWS Credit, promotional"\n' +
      '2,"say ""hi"", twice"\n' +
      '3,"two\nlines"\n' +
      '4,""\n' +
      '5,""""\n';
    expect(await fields(text)).toEqual([
      ['id', 'description'],
      ['1', 'AWS Credit, promotional'],
      ['2', 'say "hi", twice'],
      ['3', 'two\nlines'],
      ['4', ''],
      ['5', '"'],
    ]);
  });

  it('treats CRLF, LF and CR line ends alike, and a missing final line end', async () => {
    const lf = await fields('a,b\n"x,1",2\n3,4');
    expect(await fields('a,b\r\n"x,1",2\r\n3,4\r\n')).toEqual(lf);
    expect(await fields('a,b\r"x,1",2\r3,4\r')).toEqual(lf);
    expect(lf).toEqual([
      ['a', 'b'],
      ['x,1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps CRLF inside a quoted field as written', async () => {
    expect(await fields('a\r\n"x\r\ny"\r\n')).toEqual([['a'], ['x\r\ny']]);
  });

  it('drops a byte order mark and skips blank lines', async () => {
    expect(await fields('\uFEFFa,b\n\n1,2\r\n\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('numbers records by the line they start on, counting quoted line breaks', async () => {
    const records = await parseCsv('h\n"a\nb\nc"\n\nd\n');
    expect(records.map(r => r.line)).toEqual([1, 2, 6]);
  });

  it('counts CRLF as one line break, and reads a stream cut anywhere', async () => {
    const text = 'a,b\r\n\r\n"x\r\ny",2\r\n\r\n\r\n3,"4\n"\n5,6';
    const whole = await parseCsv(text);
    expect(whole.map(r => r.line)).toEqual([1, 3, 7, 9]);
    const bytes = [...Buffer.from(text)].map(b => Buffer.from([b]));
    expect(await parseCsv(Readable.from(bytes))).toEqual(whole);
  });

  it('fails when its source fails', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    await expect(parseCsv(source)).rejects.toThrow('disk gone');
  });

  it('refuses malformed quoting with the line', async () => {
    await expect(parseCsv('a,b\n1,"open\n2,3\n')).rejects.toThrow(
      /line 2: a quoted field is not closed/,
    );
    await expect(parseCsv('a,b\n1,x"y\n')).rejects.toThrow(
      /line 2: a quote inside an unquoted field/,
    );
    await expect(parseCsv('a,b\n\n1,"x"y\n')).rejects.toThrow(
      /line 3: unexpected text after the closing quote/,
    );
  });
});
