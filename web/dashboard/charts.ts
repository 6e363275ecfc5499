import { BarChart, LineChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// Only the parts the dashboard draws, so the bundle stays small.
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DatasetComponent, SVGRenderer]);

export interface LineSeries {
  name: string;
  values: (number | null)[];
  /** Draw on the right-hand axis (a second unit). */
  right?: boolean;
}

const charts = new Map<HTMLElement, echarts.ECharts>();

function chartOn(el: HTMLElement): echarts.ECharts {
  let chart = charts.get(el);
  if (!chart) {
    chart = echarts.init(el, undefined, { renderer: 'svg' });
    charts.set(el, chart);
  }
  return chart;
}

addEventListener('resize', () => {
  for (const chart of charts.values()) chart.resize();
});

/** A line chart over time buckets; `units` names the left (and right) axis. */
export function lineChart(el: HTMLElement, labels: string[], series: LineSeries[], units: [string, string?]): void {
  const right = series.some((s) => s.right);
  chartOn(el).setOption(
    {
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: right ? 48 : 16, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: labels },
      yAxis: [{ type: 'value', name: units[0] }, ...(right ? [{ type: 'value', name: units[1] ?? '' }] : [])],
      series: series.map((s) => ({ type: 'line', name: s.name, data: s.values, yAxisIndex: s.right ? 1 : 0, connectNulls: true, showSymbol: true })),
    },
    true,
  );
}

export interface BarSeries {
  name: string;
  values: (number | null)[];
  stack?: string;
  color?: string;
}

/** A bar chart by category (clock, severity); stacked where series share a `stack`. */
export function barChart(el: HTMLElement, categories: string[], series: BarSeries[], unit: string, max?: number): void {
  chartOn(el).setOption(
    {
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: categories },
      yAxis: { type: 'value', name: unit, ...(max !== undefined && { max }) },
      series: series.map((s) => ({ type: 'bar', name: s.name, data: s.values, ...(s.stack && { stack: s.stack }), ...(s.color && { itemStyle: { color: s.color } }) })),
    },
    true,
  );
}

/** Lets a click on a bar or point open the tickets behind it. */
export function onPick(el: HTMLElement, open: (category: string, series: string) => void): void {
  const chart = chartOn(el);
  chart.off('click');
  chart.on('click', (p) => open(String(p.name), String(p.seriesName)));
}
