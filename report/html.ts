import type { DecisionResponse } from '../api/decision/schemas';
import type { HistoryEntry } from '../api/workloads/history-schemas';
import type { IntervalMethod } from '../decision/scores';
import { type ClassRow, costChart, distributionChart, historyChart, scoresChart } from './charts';
import { renderSvg } from './render-svg';

// One self-contained HTML page per run: the recommendation first, then the evidence. Charts are
// inline SVG and the styles inline CSS, so the file opens anywhere with no network.

export interface ReportInput {
  job: {
    id: string;
    workload_id: string;
    client_id: string;
    status: string;
    started_at: string;
    finished_at: string | null;
    config_name: string | null;
    num_records: number;
    error: string | null;
  };
  decision: DecisionResponse | null;
  dataset: { workloadType?: string; classDistribution?: ClassRow[]; split?: Record<string, number> } | null;
  history: HistoryEntry[];
  /** The run in the Temporal Web UI. */
  temporalUrl: string | null;
}

const esc = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const num = (x: number) => x.toFixed(3);
const usd = (x: number | null) =>
  x === null ? '—' : `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

async function figure(spec: Parameters<typeof renderSvg>[0] | null, empty: string): Promise<string> {
  if (!spec) return `<p class="muted">${esc(empty)}</p>`;
  return `<figure class="chart">${await renderSvg(spec)}</figure>`;
}

const METHOD_LABEL: Record<IntervalMethod, string> = {
  wilson: 'Wilson interval of the per-sample passes',
  bootstrap: 'seeded bootstrap of the per-sample scores',
  'wilson-bound': 'the server gave no per-sample results: Wilson bound of the aggregate (worst-case variance)',
};

function recommendationCard(d: DecisionResponse | null): string {
  if (!d) {
    return `<section class="card none"><h2>No recommendation recorded</h2><p>This run recorded no decision (it ended before its evaluations, or ran on a version without one).</p></section>`;
  }
  const r = d.recommendation;
  const reasons = r.reasons.length
    ? `<details ${r.status === 'none' ? 'open' : ''}><summary>${r.status === 'none' ? 'Why no candidate' : 'Why not the others'}</summary><ul>${r.reasons
        .map((x) => `<li><b>${esc(x.model)}</b>: ${esc(x.reason)}</li>`)
        .join('')}</ul></details>`
    : '';
  if (r.status === 'recommended' && r.score) {
    return `<section class="card ok" id="recommendation">
  <h2>Recommendation: <span class="model">${esc(r.model)}</span> <span class="tag">${esc(r.variant)}</span></h2>
  <div class="kpis">
    <div><span class="k">${esc(r.metric)}</span><span class="v">${num(r.score.estimate)}</span><span class="s">${Math.round(r.score.level * 100)}% CI ${num(r.score.low)} – ${num(r.score.high)}, n = ${r.score.n}, ${esc(METHOD_LABEL[r.score.method])}</span></div>
    <div><span class="k">gate</span><span class="v">${d.gate.threshold}</span><span class="s">lower bound must reach it</span></div>
    <div><span class="k">monthly cost</span><span class="v">${usd(r.monthly_cost)}</span><span class="s">production ${usd(r.production_monthly_cost)}</span></div>
    <div><span class="k">saving</span><span class="v">${pct(r.saving_fraction)}</span><span class="s">vs ${esc(d.production.model ?? 'production')}</span></div>
  </div>
  <p>${esc(r.summary)}</p>${reasons}
</section>`;
  }
  return `<section class="card none" id="recommendation">
  <h2>Recommendation: none — keep ${esc(d.production.model ?? 'the production model')}</h2>
  <p>${esc(r.summary)}</p>${reasons}
</section>`;
}

function scoresTable(d: DecisionResponse): string {
  const metrics = [...new Set(d.candidates.flatMap((c) => Object.keys(c.scores)))].sort((a, b) =>
    a === d.gate.metric ? -1 : b === d.gate.metric ? 1 : a.localeCompare(b),
  );
  const head = metrics.map((m) => `<th>${esc(m)}${m === d.gate.metric ? ' (gate)' : ''}</th>`).join('');
  const rows = d.candidates
    .map((c) => {
      const cells = metrics
        .map((m) => {
          const s = c.scores[m];
          return s
            ? `<td>${num(s.estimate)} <span class="ci" title="${esc(METHOD_LABEL[s.method])}">[${num(s.low)}, ${num(s.high)}] n=${s.n}${s.method === 'wilson-bound' ? ' *' : ''}</span></td>`
            : '<td>—</td>';
        })
        .join('');
      return `<tr><td>${esc(c.model)}</td><td>${esc(c.variant)}</td><td>${esc(c.status)}</td>${cells}<td class="${c.gate.passes ? 'pass' : 'fail'}">${c.gate.passes ? 'passes' : 'below'}</td></tr>`;
    })
    .join('');
  const methods = [...new Set(d.candidates.flatMap((c) => Object.values(c.scores).map((s) => s.method)))];
  const legend = methods.map((m) => `${m === 'wilson-bound' ? '* ' : ''}${METHOD_LABEL[m]}`).join('; ');
  return `<table><thead><tr><th>model</th><th>variant</th><th>status</th>${head}<th>gate</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">Scores are relative to the production model's logged answers (1.0 = the same); ${Math.round(d.gate.confidence_level * 100)}% intervals over n eval items: ${esc(legend || '—')}.</p>`;
}

/** The regression gate: each customized model's general benchmarks against its base model's. */
function regressionTable(d: DecisionResponse): string {
  const gated = d.candidates.filter((c) => c.regression);
  if (!d.regression_gate || gated.length === 0) return '';
  const rows = gated
    .flatMap((c) =>
      (c.regression?.benchmarks ?? []).map(
        (b) =>
          `<tr><td>${esc(c.model)}</td><td>${esc(b.benchmark)}${b.metric ? ` <span class="ci">${esc(b.metric)}</span>` : ''}</td><td>${b.base_score === null ? '—' : num(b.base_score)}</td><td>${b.customized_score === null ? '—' : num(b.customized_score)}</td><td>${b.ratio === null ? '—' : num(b.ratio)}</td><td class="${b.passes ? 'pass' : 'fail'}">${b.passes ? 'kept' : 'regressed'}</td></tr>`,
      ),
    )
    .join('');
  const verdicts = gated
    .map(
      (c) =>
        `<li class="${c.regression?.passes ? 'pass' : 'fail'}"><b>${esc(c.model)}</b> (customized): ${esc(c.regression?.reason)}</li>`,
    )
    .join('');
  return `<section class="block" id="regression"><h3>Regression gate: general capability after fine-tuning</h3>
<table><thead><tr><th>model</th><th>benchmark</th><th>base</th><th>customized</th><th>ratio</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
<ul>${verdicts}</ul>
<p class="muted">A customized model must keep at least ${d.regression_gate.threshold_ratio} of its base model's score on every general benchmark (NeMo Evaluator academic benchmarks); one that does not forgot what it knew and is not recommended, whatever its domain score.</p></section>`;
}

function costTable(d: DecisionResponse): string {
  const t = d.traffic;
  const rows = d.candidates
    .map(
      (c) =>
        `<tr><td>${esc(c.model)}</td><td>${esc(c.variant)}</td><td>${usd(c.monthly_cost)}</td><td>${pct(c.saving_fraction)}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>model</th><th>variant</th><th>USD / month</th><th>saving</th></tr></thead><tbody>
<tr class="prod"><td>${esc(d.production.model ?? 'unknown')}</td><td>production (${esc(d.production.source)})</td><td>${usd(d.production.monthly_cost)}</td><td>—</td></tr>${rows}</tbody></table>
<p class="muted">Traffic from the logs: ${t.requests_per_day.toFixed(1)} requests/day over ${t.window_days.toFixed(1)} day(s) (${t.requests_in_window} of ${t.total_requests} requests),
${t.input_tokens_per_request.toFixed(0)} prompt + ${t.output_tokens_per_request.toFixed(0)} completion tokens per request (counted on ${t.sampled} logged requests); a month is 30 days.</p>`;
}

function historyTable(history: HistoryEntry[], current: string): string {
  if (history.length === 0) return '';
  const rows = history
    .map(
      (h, i) =>
        `<tr${h.job_id === current ? ' class="current"' : ''}><td>#${i + 1}</td><td>${esc(h.started_at.slice(0, 19).replace('T', ' '))}</td><td><code>${esc(h.job_id)}</code></td><td>${esc(h.status)}</td><td>${esc(h.schedule_id ?? '—')}</td><td>${
          h.recommendation
            ? h.recommendation.status === 'recommended'
              ? `${esc(h.recommendation.model)} (${esc(h.recommendation.variant)})`
              : 'none'
            : '—'
        }</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>run</th><th>started (UTC)</th><th>job</th><th>status</th><th>schedule</th><th>recommendation</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const STYLE = `
:root{color-scheme:light}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
main{max-width:980px;margin:0 auto;padding:24px 28px 48px}h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 10px}h3{font-size:16px;margin:28px 0 8px}
.meta{color:#52606d;margin:0 0 18px}.card{border-radius:10px;padding:18px 22px;margin:0 0 24px;border:1px solid}
.card.ok{background:#edf7ee;border-color:#81c784}.card.none{background:#fff8e1;border-color:#ffca28}
.model{font-family:ui-monospace,Menlo,monospace}.tag{font-size:13px;background:#1f2933;color:#fff;border-radius:4px;padding:2px 8px;vertical-align:middle}
.kpis{display:flex;gap:14px;flex-wrap:wrap;margin:8px 0 10px}.kpis div{background:#fff;border-radius:8px;padding:10px 14px;min-width:170px;flex:1}
.k{display:block;color:#52606d;font-size:12px;text-transform:uppercase;letter-spacing:.04em}.v{display:block;font-size:24px;font-weight:650}.s{display:block;color:#52606d;font-size:12px}
section.block{background:#fff;border-radius:10px;padding:16px 22px;margin:0 0 20px;border:1px solid #e4e7eb}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e7eb}th{background:#f5f7fa}
.ci{color:#7b8794}.pass{color:#2e7d32;font-weight:600}.fail{color:#c62828}.prod td{font-weight:600}.current td{background:#e3f2fd}
.muted{color:#7b8794;font-size:13px}figure.chart{margin:8px 0;overflow-x:auto}figure.chart svg{max-width:100%;height:auto}
footer{color:#52606d;font-size:13px;margin-top:24px}a{color:#1565c0}details{margin-top:6px}li{margin:2px 0}`;

export async function renderReport(input: ReportInput): Promise<string> {
  const { job, decision: d, dataset } = input;
  const what = (dataset?.workloadType ?? d?.workload_type) === 'tool_calling' ? 'tool called' : 'class';
  const metric = d?.gate.metric ?? input.history.find((h) => h.gate)?.gate?.metric ?? null;
  const threshold = d?.gate.threshold ?? null;
  const [scores, cost, distribution, history] = await Promise.all([
    d ? figure(scoresChart(d), 'No scores to chart.') : '',
    d ? figure(costChart(d), 'No priced candidate to chart (add prices under cost_model.models).') : '',
    figure(distributionChart(dataset?.classDistribution ?? [], what), 'No class or tool distribution recorded.'),
    metric
      ? figure(historyChart(input.history, metric, threshold), 'No earlier scores for this workload.')
      : '<p class="muted">No history with decisions yet.</p>',
  ]);
  const split = dataset?.split;
  const temporal = input.temporalUrl
    ? `<a href="${esc(input.temporalUrl)}">this run in the Temporal Web UI</a>`
    : 'Temporal Web UI link unavailable';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flywheel report · ${esc(job.workload_id)} · ${esc(job.id)}</title><style>${STYLE}</style></head>
<body><main>
<h1>Flywheel decision: ${esc(job.workload_id)}</h1>
<p class="meta">Job <code>${esc(job.id)}</code> · ${esc(job.status)} · client ${esc(job.client_id)} · config ${esc(job.config_name ?? 'default')} · started ${esc(job.started_at.slice(0, 19).replace('T', ' '))} UTC${job.finished_at ? ` · finished ${esc(job.finished_at.slice(0, 19).replace('T', ' '))} UTC` : ''} · ${temporal}</p>
${recommendationCard(d)}
${job.error ? `<p class="muted">Run error: ${esc(job.error)}</p>` : ''}
${
  d
    ? `<section class="block" id="scores"><h3>Scores with confidence intervals, and the gate</h3>${scores}${scoresTable(d)}</section>
${regressionTable(d)}
<section class="block" id="cost"><h3>Cost against accuracy</h3>${cost}${costTable(d)}</section>`
    : ''
}
<section class="block" id="data"><h3>What the candidates were tested and trained on</h3>${distribution}
${split ? `<p class="muted">${job.num_records} records: ${split.eval ?? 0} eval, ${split.train ?? 0} train, ${split.val ?? 0} validation.</p>` : ''}</section>
<section class="block" id="history"><h3>This workload's runs</h3>${history}${historyTable(input.history, job.id)}</section>
<footer>Advice, not an action: promoting a model is a person's decision. Open ${temporal} for the run's full history.</footer>
</main></body></html>
`;
}
