import { toAzureMlJobName } from './jobName';

const RULE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;

describe('toAzureMlJobName', () => {
  it('keeps names Azure ML accepts', () => {
    expect(toAzureMlJobName('ml-7f3a9c-a2')).toBe('ml-7f3a9c-a2');
    expect(toAzureMlJobName('Attempt_7')).toBe('Attempt_7');
    expect(toAzureMlJobName('a'.repeat(255))).toBe('a'.repeat(255));
  });

  it.each([
    'ml.job:42/attempt 1',
    '_leading-underscore',
    'a'.repeat(256),
    `${'b'.repeat(250)}...${'c'.repeat(10)}`,
    '...',
    '',
  ])('turns %j into a valid name, deterministically', name => {
    const result = toAzureMlJobName(name);
    expect(result).toMatch(RULE);
    expect(toAzureMlJobName(name)).toBe(result);
  });

  it('keeps different names apart', () => {
    expect(toAzureMlJobName('job.1')).not.toBe(toAzureMlJobName('job:1'));
    expect(toAzureMlJobName(`${'a'.repeat(300)}1`)).not.toBe(
      toAzureMlJobName(`${'a'.repeat(300)}2`),
    );
  });
});
