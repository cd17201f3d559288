import { toTrainingJobName } from './trainingJobName';

const RULE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

describe('toTrainingJobName', () => {
  it('keeps names SageMaker accepts', () => {
    expect(toTrainingJobName('ml-7f3a9c-a2')).toBe('ml-7f3a9c-a2');
    expect(toTrainingJobName('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it.each([
    'ml_job.42/attempt_1',
    '-leading-and-trailing-',
    'a'.repeat(64),
    `${'b'.repeat(60)}___${'c'.repeat(10)}`,
    '___',
    '',
  ])('turns %j into a valid name, deterministically', name => {
    const result = toTrainingJobName(name);
    expect(result).toMatch(RULE);
    expect(toTrainingJobName(name)).toBe(result);
  });

  it('keeps different names apart', () => {
    expect(toTrainingJobName('job_1')).not.toBe(toTrainingJobName('job.1'));
    expect(toTrainingJobName(`${'a'.repeat(70)}1`)).not.toBe(
      toTrainingJobName(`${'a'.repeat(70)}2`),
    );
  });
});
