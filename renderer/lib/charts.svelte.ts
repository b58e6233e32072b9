// Chart.js, set up once: the parts Meterlab draws with, a palette read from the theme's CSS
// variables, a plugin that marks billing period boundaries, and the {@attach} helper.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
  type Plugin,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import { theme } from '../state/theme.svelte';
import { formatMoney } from '../../core/public/format';
import { downloadBlob } from './download';
import { formatAxisTime } from './time';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
);

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends ChartType> {
    /** Vertical lines at these x values (unix seconds): billing period boundaries. */
    periodLines?: { at: number[]; color?: string; _type?: TType };
  }
}

export interface Palette {
  series: string[];
  text: string;
  muted: string;
  grid: string;
  bad: string;
  highlight: string;
}

export function palette(): Palette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    series: [1, 2, 3, 4, 5].map((n) => read(`--chart-${n}`)),
    text: read('--text'),
    muted: read('--muted'),
    grid: read('--chart-grid'),
    bad: read('--bad'),
    highlight: read('--warn'),
  };
}

const periodLines: Plugin = {
  id: 'periodLines',
  afterDatasetsDraw(chart, _args, options: { at?: number[]; color?: string }) {
    const scale = chart.scales.x;
    if (!scale || !options.at?.length) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.strokeStyle = options.color ?? '#888';
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1;
    for (const at of options.at) {
      const x = scale.getPixelForValue(at);
      if (x < chartArea.left || x > chartArea.right) continue;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
    }
    ctx.restore();
  },
};
Chart.register(periodLines);

/** Shared look: theme colours, no animation (data arrives pre-bucketed and redraws often). */
export function baseOptions(colors: Palette) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    color: colors.text,
    plugins: {
      legend: { labels: { color: colors.text, boxWidth: 12 } },
      tooltip: { intersect: false, mode: 'nearest' as const },
    },
  };
}

/** A linear x axis of unix seconds from `min` to `max`, labelled as dates (or times). */
export function timeAxis(colors: Palette, min: number, max: number) {
  return {
    type: 'linear' as const,
    min,
    max,
    ticks: {
      color: colors.muted,
      maxTicksLimit: 8,
      callback: (value: number | string) => formatAxisTime(Number(value), max - min),
    },
    grid: { color: colors.grid },
  };
}

export function valueAxis(colors: Palette, title?: string) {
  return {
    beginAtZero: true,
    ticks: { color: colors.muted },
    grid: { color: colors.grid },
    ...(title ? { title: { display: true, text: title, color: colors.muted } } : {}),
  };
}

/** A value axis of amounts in minor units, its ticks formatted as money of the currency. */
export function moneyAxis(colors: Palette, currency: string) {
  return {
    ...valueAxis(colors),
    ticks: {
      color: colors.muted,
      callback: (value: number | string) => formatMoney(Math.round(Number(value)), currency),
    },
  };
}

/**
 * `<canvas {@attach chart(() => config(palette))}>`: builds the chart once, then, when the data
 * or the theme changes, gives it the new data and options and redraws it in place (no animation):
 * a new Chart measures the canvas and its fonts again, and tears down what it drew. Records the
 * last draw's duration on `data-draw-ms`.
 */
export function chart<T extends ChartType>(
  build: (colors: Palette) => ChartConfiguration<T>,
): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let instance: Chart | null = null;
    $effect(() => {
      void theme.dark;
      const config = build(palette()) as ChartConfiguration;
      const started = performance.now();
      if (instance && (instance.config as ChartConfiguration).type === config.type) {
        instance.data = config.data;
        instance.options = config.options ?? {};
        instance.update('none');
      } else {
        instance?.destroy();
        instance = new Chart(canvas, config);
      }
      canvas.dataset.drawMs = (performance.now() - started).toFixed(2);
    });
    return () => instance?.destroy();
  };
}

/**
 * Saves a chart as a PNG for slides: drawn on the theme's card colour (a canvas is transparent)
 * at the size it has on screen.
 */
export function saveChartPng(canvas: HTMLCanvasElement, filename: string): void {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  if (!context) return;
  context.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--surface');
  context.fillRect(0, 0, copy.width, copy.height);
  context.drawImage(canvas, 0, 0);
  copy.toBlob((blob) => {
    if (blob) downloadBlob(blob, filename);
  }, 'image/png');
}
