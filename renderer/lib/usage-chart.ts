// The usage timeline: the engine's pre-bucketed series as a stepped line (one step per bucket),
// billing period boundaries as dashed lines, and the records that decided a quantity as markers.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { UsageSeries } from '../../core/public/types';
import type { AggregateUsage } from '../../core/public/types';
import { baseOptions, timeAxis, valueAxis, type Palette } from './charts.svelte';
import { formatTime } from './time';

export interface DecidingMark {
  timestamp: number;
  quantity: number;
  label: string;
}

/** Which bucket figure shows a strategy best: totals for sum, peaks for max, else the last value. */
export function bucketFigure(strategy: AggregateUsage): 'sum' | 'max' | 'last' {
  if (strategy === 'sum') return 'sum';
  return strategy === 'max' ? 'max' : 'last';
}

const figureLabels = {
  sum: 'Units per time slice (total)',
  max: 'Peak value per time slice',
  last: 'Last value per time slice',
};

/**
 * What `sum` bills as it builds up: the units so far in each billing period, starting again at
 * 0 where a period starts (one point per bucket end; a bucket across a boundary counts in the
 * period it starts in).
 */
export function runningTotals(series: UsageSeries): { x: number; y: number }[] {
  const starts = series.periods.map((period) => period.start).sort((a, b) => a - b);
  const points: { x: number; y: number }[] = [{ x: series.start, y: 0 }];
  let next = 0;
  let total = 0;
  for (const bucket of series.buckets) {
    while (next < starts.length && starts[next]! <= bucket.start) {
      if (starts[next]! > series.start) {
        total = 0;
        points.push({ x: starts[next]!, y: 0 });
      }
      next += 1;
    }
    total += bucket.sum;
    points.push({ x: bucket.end, y: total });
  }
  return points;
}

export function usageTimelineConfig(
  series: UsageSeries,
  strategy: AggregateUsage,
  marks: DecidingMark[],
  colors: Palette,
): ChartConfiguration<'line' | 'scatter'> {
  const figure = bucketFigure(strategy);
  // Each point holds its value until the next one (Chart.js's stepped 'before').
  // Totals are 0 in an empty bucket; a peak or a last value only exists where records are, and
  // the line holds the level until the next record.
  const points = series.buckets.map((bucket) => ({
    x: bucket.start,
    y: figure === 'sum' || bucket.count > 0 ? bucket[figure] : null,
  }));
  const held = points.findLast((point) => point.y !== null)?.y ?? null;
  points.push({ x: series.end, y: figure === 'sum' ? (points.at(-1)?.y ?? 0) : held });
  const datasets: ChartDataset<'line' | 'scatter', { x: number; y: number | null }[]>[] = [
    {
      type: 'line',
      label: figureLabels[figure],
      data: points,
      stepped: 'before',
      spanGaps: true,
      borderColor: colors.series[0],
      backgroundColor: colors.series[0],
      borderWidth: 1.5,
      pointRadius: 0,
      parsing: false,
      normalized: true,
    },
  ];
  if (figure === 'sum') {
    datasets.push({
      type: 'line',
      label: 'Running total in the period (what sum bills)',
      data: runningTotals(series),
      borderColor: colors.series[1],
      backgroundColor: colors.series[1],
      borderWidth: 2,
      pointRadius: 0,
      parsing: false,
      normalized: true,
    });
  }
  if (marks.length > 0) {
    datasets.push({
      type: 'scatter',
      label: 'Deciding record',
      data: marks.map((mark) => ({ x: mark.timestamp, y: mark.quantity })),
      borderColor: colors.highlight,
      backgroundColor: colors.highlight,
      pointStyle: 'rectRot',
      pointRadius: 7,
      pointHoverRadius: 9,
    });
  }
  const base = baseOptions(colors);
  return {
    type: 'line',
    data: { datasets },
    options: {
      ...base,
      scales: {
        x: timeAxis(colors, series.start, series.end),
        y: valueAxis(colors, 'units'),
      },
      plugins: {
        ...base.plugins,
        periodLines: { at: series.periods.map((period) => period.start), color: colors.muted },
        decimation: { enabled: true, algorithm: 'min-max' },
        tooltip: {
          ...base.plugins.tooltip,
          callbacks: {
            title: (items) => (items[0] ? formatTime(items[0].parsed.x ?? 0) : ''),
            label: (item) => {
              const mark = item.datasetIndex === 1 ? marks[item.dataIndex] : undefined;
              return mark ? mark.label : `${item.dataset.label}: ${item.parsed.y}`;
            },
          },
        },
      },
    },
  };
}
