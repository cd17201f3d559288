import { Metric, Run } from '@ml-portal/plugin-ml-common';

/** The most runs the compare page takes. @internal */
export const MAX_COMPARED_RUNS = 30;

/** What the x axis of a metric chart measures. @internal */
export type XAxisMode = 'step' | 'relative' | 'wall';

/** How the compare page draws its metric charts. @internal */
export type ChartOptions = {
  xAxis: XAxisMode;
  /** The weight of the moving average, 0 to 0.99. */
  smoothing: number;
  logScale: boolean;
};

/** A run on the compare page, with the name and color it has on every chart. @internal */
export type ComparedRun = { run: Run; name: string; color: string };

/** One point of a chart line. @internal */
export type SeriesPoint = { x: number; y: number };

const palette = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** A distinct color per run: a categorical palette, then hues a golden angle apart. @internal */
export function runColor(index: number): string {
  return index < palette.length
    ? palette[index]
    : `hsl(${Math.round((index * 137.508) % 360)}, 60%, 45%)`;
}

/**
 * Exponential moving average with TensorBoard's debiasing, so the first points
 * are not pulled towards zero; weight 0 leaves the values as they are.
 *
 * @internal
 */
export function emaSmooth(values: number[], weight: number): number[] {
  let last = 0;
  return values.map((value, index) => {
    last = last * weight + (1 - weight) * value;
    return last / (1 - weight ** (index + 1));
  });
}

/**
 * The line of one run's metric history: non-finite values dropped (and
 * non-positive ones on a log scale), ordered along the x axis, then smoothed.
 *
 * @internal
 */
export function chartSeries(
  points: Metric[],
  options: ChartOptions & { runStartTime: number },
): SeriesPoint[] {
  const { xAxis, runStartTime, smoothing, logScale } = options;
  const xOf = (point: Metric) => {
    if (xAxis === 'step') return point.step;
    if (xAxis === 'relative') return point.timestamp - runStartTime;
    return point.timestamp;
  };
  const kept = points
    .filter(point => Number.isFinite(point.value))
    .filter(point => !logScale || point.value > 0)
    .map(point => ({ x: xOf(point), value: point.value }))
    .sort((a, b) => a.x - b.x);
  const smoothed = emaSmooth(
    kept.map(point => point.value),
    smoothing,
  );
  return kept.map((point, index) => ({ x: point.x, y: smoothed[index] }));
}

/** A param value as a number, when all of it is one (`0.01`, `1e-3`, ` 64 `). @internal */
export function numericParam(value: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) {
    return undefined;
  }
  return Number(value);
}
