import { toVertexLabelValue } from './labels';

const RULE = /^[a-z0-9_-]{1,63}$/;

describe('toVertexLabelValue', () => {
  it('keeps values Vertex AI accepts', () => {
    expect(toVertexLabelValue('ml-7f3a9c-a2')).toBe('ml-7f3a9c-a2');
    expect(toVertexLabelValue('a_b'.repeat(21))).toBe('a_b'.repeat(21));
  });

  it.each([
    'Attempt-1',
    'ml_job.42/attempt_1',
    'a'.repeat(64),
    '-x-',
    '___.',
    '',
  ])('turns %j into a valid value, deterministically', name => {
    const result = toVertexLabelValue(name);
    expect(result).toMatch(RULE);
    expect(toVertexLabelValue(name)).toBe(result);
  });

  it('keeps different names apart', () => {
    expect(toVertexLabelValue('Job-1')).not.toBe(toVertexLabelValue('job-1'));
    expect(toVertexLabelValue(`${'a'.repeat(70)}1`)).not.toBe(
      toVertexLabelValue(`${'a'.repeat(70)}2`),
    );
  });
});
