import { metricValidator } from './validation';

describe('metricValidator', () => {
  const metric = (key: unknown) => ({ key, value: 1, timestamp: 5 });

  it.each([
    '/abs',
    'trailing/',
    'a//b',
    '.',
    '..',
    './a',
    'a/.',
    'a/./b',
    'a/../b',
    'a/..',
    '..a',
    '...',
  ])('refuses %j, which resolves to another path (as MLflow does)', key => {
    expect(() => metricValidator()(metric(key))).toThrow(
      /must not resolve to other names/,
    );
  });

  it.each(['train/loss', 'a.b', 'a/.b', 'a/b..', 'a/..b', 'val loss:top-1'])(
    'accepts %j',
    key => {
      expect(metricValidator()(metric(key)).key).toBe(key);
    },
  );

  it('checks a key once per batch, yet every metric of it fully', () => {
    const validate = metricValidator();
    expect(validate(metric('train/loss'))).toEqual({
      key: 'train/loss',
      value: 1,
      timestamp: 5,
      step: 0,
    });
    // The key is known by now; the other fields are still checked.
    expect(() =>
      validate({ key: 'train/loss', value: 'x', timestamp: 5 }),
    ).toThrow(/invalid value "x"/);
    expect(() => validate({ key: 'train/loss', value: 1 })).toThrow(
      /'timestamp'/,
    );
    expect(() => validate(metric('bad!key'))).toThrow(/Invalid metric name/);
    expect(() => validate(metric(7))).toThrow(/'key'/);
  });
});
