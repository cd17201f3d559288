import { parseAssignments, splitCommandLine } from './commandLine';

describe('splitCommandLine', () => {
  it.each([
    ['python train.py --lr 0.01', ['python', 'train.py', '--lr', '0.01']],
    ['  spaced   out\targs\n', ['spaced', 'out', 'args']],
    [
      `--note 'first try' --x "a \\"b\\" c"`,
      ['--note', 'first try', '--x', 'a "b" c'],
    ],
    [`'$HOME' "$HOME"`, ['$HOME', '$HOME']],
    ['a\\ b c\\\\d', ['a b', 'c\\d']],
    [`'' ""`, ['', '']],
    [`pre'fix'"ed"`, ['prefixed']],
    ['torchrun \\\n  train.py', ['torchrun', 'train.py']],
    [`"keep \\n as is"`, ['keep \\n as is']],
    ['', []],
  ])('splits %j', (text, argv) => {
    expect(splitCommandLine(text)).toEqual({ argv });
  });

  it('names an unterminated quote', () => {
    expect(splitCommandLine(`python -c 'print(1)`).error).toBe(
      'Unterminated single quote',
    );
    expect(splitCommandLine('echo "hi').error).toBe(
      'Unterminated double quote',
    );
    expect(splitCommandLine('echo \\').error).toMatch(/lone backslash/);
  });
});

describe('parseAssignments', () => {
  it('reads NAME=value lines, skipping blanks and comments, keeping = in values', () => {
    expect(
      parseAssignments('A=1\n\n# note\n  B = x=y \nEMPTY=', {
        allowEmptyValue: true,
      }),
    ).toEqual({
      entries: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'x=y' },
        { name: 'EMPTY', value: '' },
      ],
    });
  });

  it('names the line that is not an assignment', () => {
    const options = { allowEmptyValue: false };
    expect(parseAssignments('A=1\nnonsense', options).error).toBe(
      'Line 2: expected NAME=value',
    );
    expect(parseAssignments('1A=x', options).error).toBe(
      'Line 1: "1A" is not a variable name',
    );
    expect(parseAssignments('A=1\nA=2', options).error).toBe(
      'Line 2: A is set twice',
    );
    expect(parseAssignments('TOKEN=', options).error).toBe(
      'Line 1: TOKEN has no value',
    );
  });
});
