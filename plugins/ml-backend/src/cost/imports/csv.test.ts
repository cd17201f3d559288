import { parseCsv } from './csv';

const fields = (text: string) => parseCsv(text).map(r => r.fields);

describe('parseCsv', () => {
  it('splits plain records and keeps empty fields', () => {
    expect(fields('a,b,c\n1,,3\n,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['', '', ''],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text =
      'id,description\n' +
      '1,"AWS Credit, promotional"\n' +
      '2,"say ""hi"", twice"\n' +
      '3,"two\nlines"\n' +
      '4,""\n' +
      '5,""""\n';
    expect(fields(text)).toEqual([
      ['id', 'description'],
      ['1', 'AWS Credit, promotional'],
      ['2', 'say "hi", twice'],
      ['3', 'two\nlines'],
      ['4', ''],
      ['5', '"'],
    ]);
  });

  it('treats CRLF, LF and CR line ends alike, and a missing final line end', () => {
    const lf = fields('a,b\n"x,1",2\n3,4');
    expect(fields('a,b\r\n"x,1",2\r\n3,4\r\n')).toEqual(lf);
    expect(fields('a,b\r"x,1",2\r3,4\r')).toEqual(lf);
    expect(lf).toEqual([
      ['a', 'b'],
      ['x,1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps CRLF inside a quoted field as written', () => {
    expect(fields('a\r\n"x\r\ny"\r\n')).toEqual([['a'], ['x\r\ny']]);
  });

  it('drops a byte order mark and skips blank lines', () => {
    expect(fields('\uFEFFa,b\n\n1,2\r\n\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('numbers records by the line they start on, counting quoted line breaks', () => {
    const records = parseCsv('h\n"a\nb\nc"\n\nd\n');
    expect(records.map(r => r.line)).toEqual([1, 2, 6]);
  });

  it('refuses malformed quoting with the line', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n')).toThrow(
      /line 2: a quoted field is not closed/,
    );
    expect(() => parseCsv('a,b\n1,x"y\n')).toThrow(
      /line 2: a quote inside an unquoted field/,
    );
    expect(() => parseCsv('a,b\n\n1,"x"y\n')).toThrow(
      /line 3: unexpected text after the closing quote/,
    );
  });
});
