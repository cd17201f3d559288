import { chartSeries, emaSmooth, numericParam, runColor } from './chartSeries';
import { searchIdentifier } from './runFormat';

const point = (step: number, value: number, timestamp = 1000 + step * 500) => ({
  key: 'loss',
  step,
  value,
  timestamp,
});

describe('chartSeries', () => {
  it('drops non-finite values, and non-positive ones on a log scale', () => {
    const points = [
      point(0, 2),
      point(1, NaN),
      point(2, -1),
      point(3, Infinity),
      point(4, 0),
    ];
    const options = {
      xAxis: 'step' as const,
      runStartTime: 1000,
      smoothing: 0,
    };
    expect(chartSeries(points, { ...options, logScale: false })).toEqual([
      { x: 0, y: 2 },
      { x: 2, y: -1 },
      { x: 4, y: 0 },
    ]);
    expect(chartSeries(points, { ...options, logScale: true })).toEqual([
      { x: 0, y: 2 },
    ]);
  });

  it('measures time from the run start or as wall time', () => {
    const points = [point(0, 1, 1500), point(1, 2, 4000)];
    const base = { runStartTime: 1000, smoothing: 0, logScale: false };
    expect(
      chartSeries(points, { ...base, xAxis: 'relative' }).map(p => p.x),
    ).toEqual([500, 3000]);
    expect(
      chartSeries(points, { ...base, xAxis: 'wall' }).map(p => p.x),
    ).toEqual([1500, 4000]);
  });

  it('smooths with a debiased moving average', () => {
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const smoothed = emaSmooth([10, 10, 0], 0.5);
    expect(smoothed[0]).toBeCloseTo(10);
    expect(smoothed[1]).toBeCloseTo(10);
    expect(smoothed[2]).toBeCloseTo(30 / 7);
  });

  it('reads numeric params and gives runs distinct colors', () => {
    expect(numericParam('1e-3')).toBe(0.001);
    expect(numericParam(' 64 ')).toBe(64);
    expect(numericParam('adam')).toBeUndefined();
    expect(numericParam('')).toBeUndefined();
    const colors = new Set(Array.from({ length: 30 }, (_, i) => runColor(i)));
    expect(colors.size).toBe(30);
  });
});

describe('runFormat', () => {
  it('backtick-quotes keys that are not plain identifiers', () => {
    expect(searchIdentifier('metrics', 'auc')).toBe('metrics.auc');
    expect(searchIdentifier('params', 'model.lr')).toBe('params.`model.lr`');
  });
});
