import { ReactElement } from 'react';
import { ResponsiveContainer } from 'recharts';

/** The space around a chart's plot inside its card. @internal */
export const CHART_MARGIN = { top: 8, right: 16, bottom: 8, left: 8 };

/**
 * A chart as wide as its card and `height` pixels high, drawn 560 pixels wide
 * until it can measure its card (the first paint, and jsdom, which never can).
 *
 * @internal
 */
export function ResponsiveChart(props: {
  height: number;
  children: ReactElement;
}) {
  const { height, children } = props;
  return (
    <ResponsiveContainer
      width="100%"
      height={height}
      initialDimension={{ width: 560, height }}
    >
      {children}
    </ResponsiveContainer>
  );
}
