import { execFileSync } from 'node:child_process';
import { toCommandLine } from './commandLine';

describe('toCommandLine', () => {
  it('leaves plain words bare and single-quotes everything else', () => {
    expect(
      toCommandLine([
        'python',
        'train.py',
        '--lr=0.1',
        '--name',
        "Bob's run",
        '',
      ]),
    ).toBe(`python train.py --lr=0.1 --name 'Bob'"'"'s run' ''`);
  });

  it('hands the program exactly the arguments it was given', () => {
    const args = [
      "it's",
      'two words',
      '$HOME',
      '`id`',
      '$(id)',
      'a;b|c&d',
      'line\nbreak',
      '"double"',
      '*',
      '\\back',
      '',
    ];
    const line = toCommandLine([
      process.execPath,
      '-e',
      'console.log(JSON.stringify(process.argv.slice(1)))',
      ...args,
    ]);
    const output = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual(args);
  });

  it("refuses Azure ML's ${{ }} templates and an empty command", () => {
    expect(() => toCommandLine(['echo', 'x${{inputs.data}}'])).toThrow(
      "Command item 1 contains '${{'",
    );
    expect(() => toCommandLine([])).toThrow('needs a command');
  });
});
