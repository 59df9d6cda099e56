import type { TopLevelSpec } from 'vega-lite';
import type { DecisionResponse } from '../api/decision/schemas';
import type { HistoryEntry } from '../api/workloads/history-schemas';

// The report's charts as Vega-Lite specs: data in, a declarative chart out (rendered to SVG
// by report/render-svg.ts).

const PASS = 'clears the gate';
const FAIL = 'below the gate';
const VERDICT_SCALE = { domain: [PASS, FAIL], range: ['#2e7d32', '#c62828'] };
const short = (model: string) => model.split('/').pop() ?? model;
const labelOf = (model: string, variant: string) => `${short(model)} · ${variant}`;

function gateRule(threshold: number, axis: 'x' | 'y') {
  return [
    {
      data: { values: [{ threshold }] },
      mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#37474f', strokeWidth: 1.5 },
      encoding: { [axis]: { field: 'threshold', type: 'quantitative' as const } },
    },
    {
      data: { values: [{ threshold, text: `gate ${threshold}` }] },
      mark: {
        type: 'text' as const,
        color: '#37474f',
        fontWeight: 'bold' as const,
        ...(axis === 'x'
          ? { align: 'left' as const, dx: 4, baseline: 'top' as const }
          : { align: 'right' as const, dy: -6 }),
      },
      encoding: {
        [axis]: { field: 'threshold', type: 'quantitative' as const },
        ...(axis === 'x' ? { y: { value: 0 } } : { x: { value: 'width' as never } }),
        text: { field: 'text' },
      },
    },
  ];
}

/** The deciding score of every candidate variant with its interval, against the gate line. */
export function scoresChart(d: DecisionResponse): TopLevelSpec | null {
  const metric = d.gate.metric;
  const rows = d.candidates.flatMap((c) => {
    const s = c.scores[metric];
    if (!s) return [];
    const recommended = d.recommendation.model === c.model && d.recommendation.variant === c.variant;
    return [
      {
        label: `${labelOf(c.model, c.variant)}${recommended ? '  ★' : ''}`,
        estimate: s.estimate,
        low: s.low,
        high: s.high,
        verdict: c.gate.passes ? PASS : FAIL,
      },
    ];
  });
  if (rows.length === 0) return null;
  const x = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  const y = { field: 'label', type: 'nominal' as const, sort: null, title: null };
  const color = { field: 'verdict', type: 'nominal' as const, scale: VERDICT_SCALE, title: null };
  return {
    width: 560,
    height: { step: 30 },
    title: `${metric}: estimate and ${Math.round(d.gate.confidence_level * 100)}% interval per candidate`,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'rule', strokeWidth: 3 },
        encoding: { y, x: { ...x, field: 'low', title: metric }, x2: { field: 'high' }, color },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: { y, x: { ...x, field: 'estimate' }, color, tooltip: [{ field: 'low' }, { field: 'high' }] },
      },
      ...gateRule(d.gate.threshold, 'x'),
    ],
  } as TopLevelSpec;
}

/** Monthly cost (log scale) against the deciding score, the production model included. */
export function costChart(d: DecisionResponse): TopLevelSpec | null {
  const metric = d.gate.metric;
  const rows: Record<string, unknown>[] = d.candidates.flatMap((c) => {
    const s = c.scores[metric];
    if (!s || c.monthly_cost === null || !(c.monthly_cost > 0)) return [];
    return [
      {
        label: labelOf(c.model, c.variant),
        variant: c.variant,
        cost: c.monthly_cost,
        estimate: s.estimate,
        low: s.low,
        high: s.high,
      },
    ];
  });
  if (rows.length === 0) return null;
  const prod = d.production;
  if (prod.monthly_cost !== null && prod.monthly_cost > 0 && prod.model) {
    rows.push({
      label: `${short(prod.model)} (production)`,
      variant: 'production',
      cost: prod.monthly_cost,
      estimate: 1,
      low: 1,
      high: 1,
    });
  }
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    title: 'USD per month (log scale)',
  };
  const color = {
    field: 'variant',
    type: 'nominal' as const,
    title: 'variant',
    legend: { orient: 'bottom' as const },
    scale: { domain: ['base', 'icl', 'customized', 'production'], range: ['#1565c0', '#ef6c00', '#6a1b9a', '#37474f'] },
  };
  return {
    width: 560,
    height: 300,
    title: `Cost against ${metric} (production answers = 1.0)`,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'rule', strokeWidth: 2, opacity: 0.6 },
        encoding: {
          x,
          y: { field: 'low', type: 'quantitative', scale: { domain: [0, 1.05] }, title: metric },
          y2: { field: 'high' },
          color,
        },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x,
          y: { field: 'estimate', type: 'quantitative' },
          color,
          shape: { field: 'variant', type: 'nominal', legend: null },
        },
      },
      {
        data: { values: rows.filter((r) => r.variant !== 'production') },
        mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 10, color: '#455a64' },
        encoding: { x, y: { field: 'estimate', type: 'quantitative' }, text: { field: 'label' } },
      },
      {
        data: { values: rows.filter((r) => r.variant === 'production') },
        mark: { type: 'text', align: 'right', dx: -9, fontSize: 10, color: '#37474f', fontWeight: 'bold' },
        encoding: { x, y: { field: 'estimate', type: 'quantitative' }, text: { field: 'label' } },
      },
      ...gateRule(d.gate.threshold, 'y'),
    ],
  } as TopLevelSpec;
}

export interface ClassRow {
  class: string;
  eval: number;
  train: number;
  val: number;
}

/** Records per class (classification) or per called tool (tool calling) in each split. */
export function distributionChart(rows: readonly ClassRow[], what: string): TopLevelSpec | null {
  if (rows.length === 0) return null;
  const long = rows.flatMap((r) =>
    (['eval', 'train', 'val'] as const).map((split) => ({ class: r.class, split, count: r[split] })),
  );
  return {
    width: 560,
    height: { step: 12 },
    title: `Eval, training and validation records per ${what}`,
    data: { values: long },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'class', type: 'nominal', sort: null, title: null },
      yOffset: { field: 'split', sort: ['eval', 'train', 'val'] },
      x: { field: 'count', type: 'quantitative', title: 'records' },
      color: {
        field: 'split',
        type: 'nominal',
        sort: ['eval', 'train', 'val'],
        scale: { domain: ['eval', 'train', 'val'], range: ['#1565c0', '#90a4ae', '#cfd8dc'] },
        title: 'set',
      },
    },
  } as TopLevelSpec;
}

/** The deciding score of every candidate variant across the workload's runs. */
export function historyChart(
  history: readonly HistoryEntry[],
  metric: string,
  threshold: number | null,
): TopLevelSpec | null {
  const rows = history.flatMap((run, i) =>
    run.candidates.flatMap((c) => {
      const s = c.scores[metric];
      if (!s) return [];
      const recommended = run.recommendation?.model === c.model && run.recommendation?.variant === c.variant;
      return [
        {
          run: `#${i + 1} ${run.started_at.slice(5, 16).replace('T', ' ')}`,
          label: labelOf(c.model, c.variant),
          estimate: s.estimate,
          low: s.low,
          high: s.high,
          recommended: recommended ? 'recommended' : 'not recommended',
        },
      ];
    }),
  );
  if (rows.length === 0) return null;
  const x = { field: 'run', type: 'ordinal' as const, title: 'run (UTC start)', axis: { labelAngle: 0 } };
  const color = {
    field: 'label',
    type: 'nominal' as const,
    title: 'candidate',
    legend: { orient: 'bottom' as const, columns: 2 },
  };
  return {
    width: 560,
    height: 280,
    title: `${metric} across the workload's runs`,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'rule', strokeWidth: 2, opacity: 0.35 },
        encoding: {
          x,
          xOffset: { field: 'label' },
          y: { field: 'low', type: 'quantitative', scale: { domain: [0, 1] }, title: metric },
          y2: { field: 'high' },
          color,
        },
      },
      {
        data: { values: rows },
        mark: { type: 'line', point: false },
        encoding: { x, y: { field: 'estimate', type: 'quantitative' }, color },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          xOffset: { field: 'label' },
          y: { field: 'estimate', type: 'quantitative' },
          color,
          shape: {
            field: 'recommended',
            type: 'nominal',
            scale: { domain: ['recommended', 'not recommended'], range: ['diamond', 'circle'] },
            title: null,
          },
        },
      },
      ...(threshold === null ? [] : gateRule(threshold, 'y')),
    ],
  } as TopLevelSpec;
}
