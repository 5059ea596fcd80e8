/**
 * report.html: one self-contained page (inline SVG, no scripts, opens from disk) with the
 * sweep's curves, the compression Pareto fronts, every run in a table, the recommendation, and
 * the machine and versions.
 */
import type { BatchSizeStudy, RunCurve, SweepAnalysis } from './analysis.ts';
import { collapseWarning } from '../pipeline/classifier_steps.ts';
import { paretoFront, type ModelPoint } from './pareto.ts';
import { lineChart, paretoChart, renderSvg } from './plots.ts';

export type ReportPoint = ModelPoint & {
  format: string;
  latency_batch1_ms: number;
  fp32_accuracy: number;
  /** Classes the file predicts, of the task's `classes`. */
  predicted_classes?: number;
  classes?: number;
  /** 'pearson' when `accuracy` holds Pearson's r (a numeric target). */
  metric?: 'pearson';
  /** The task's baselines on the same test examples. */
  baselines?: { majority: number; bag_of_words: number; bag_of_words_95?: [number, number] };
};

export interface ReportInput {
  title: string;
  analysis: SweepAnalysis;
  curves: RunCurve[];
  points: ReportPoint[];
  batchSizes?: BatchSizeStudy[];
  /** The scaling-law section: its chart and the plan's lines about the fit. */
  scaling?: { svg: string; lines: string[] };
  recommendation: string[];
  machine: Record<string, unknown>;
  generated: string;
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

function table(head: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export async function renderReport(r: ReportInput): Promise<string> {
  const curveSvgs = await trainingPlots(r.analysis, r.curves);
  const paretoSvgs = await compressionPlots(r.points);
  const batchSection = batchSizeSection(r.batchSizes ?? []);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child,td:last-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:12px}.plot{border:1px solid #eee}
.rec{background:#eef6ee;border-left:4px solid #4a4;padding:.5em 1em}.warn{background:#fdeaea;border-left:4px solid #c44;padding:.5em 1em}</style></head>
<body><h1>${esc(r.title)}</h1>
<p>Generated ${esc(r.generated)}.</p>
<h2>Recommendation</h2><div class="rec">${r.recommendation.map((l) => `<p>${esc(l)}</p>`).join('')}</div>
<h2>Training at equal wall-clock</h2><p>${largerWinsText(r.analysis)}</p>
<div class="plots">${curveSvgs.map((s) => `<div class="plot">${s}</div>`).join('')}</div>
${sizeTable(r.analysis)}
${r.scaling ? `<h2>Scaling law: predicted loss at any budget</h2>\n<div class="plots"><div class="plot">${r.scaling.svg}</div></div>\n${r.scaling.lines.map((l) => `<p>${esc(l)}</p>`).join('')}` : ''}
${batchSection ? `<h2>Batch size</h2>\n${batchSection}` : ''}
${paretoSvgs.length > 0 ? `<h2>Compression: ${r.points.some((p) => p.metric === 'pearson') ? "Pearson's r" : 'accuracy'} against size and latency</h2>\n<div class="plots">${paretoSvgs.map((s) => `<div class="plot">${s}</div>`).join('')}</div>\n${pointTable(r.points)}` : ''}
<h2>Machine</h2>${table(['', ''], Object.entries(r.machine))}
</body></html>
`;
}

/** Perplexity against wall-clock (per size, mean ± std over seeds), against steps and against FLOPs (per run); translation runs add BLEU against wall-clock. */
function trainingPlots(analysis: SweepAnalysis, curves: RunCurve[]): Promise<string[]> {
  const runRows = curves.flatMap((c) => c.rows.map((x) => ({ run: c.id, model: c.model, step: x.step, wall_s: x.wall_s, flops: x.flops, val_ppl: x.val_ppl })));
  const sizeRows = analysis.sizes.flatMap((s) => s.curve.map((p) => ({ model: s.model, wall_s: p.wall_s, ppl: p.ppl, lo: Math.max(1, p.ppl - p.std), hi: p.ppl + p.std })));
  const bleuRows = curves.flatMap((c) => c.rows.flatMap((x) => (x.val_bleu === undefined ? [] : [{ run: c.id, wall_s: x.wall_s, val_bleu: x.val_bleu }])));
  return Promise.all([
    ...(bleuRows.length > 0 ? [renderSvg(lineChart({ title: 'Validation BLEU against wall-clock (greedy, per run)', rows: bleuRows, x: 'wall_s', xTitle: 'training seconds', y: 'val_bleu', yTitle: 'validation BLEU', series: 'run' }))] : []),
    renderSvg(lineChart({ title: 'Validation perplexity against wall-clock (mean ± std over seeds)', rows: sizeRows, x: 'wall_s', xTitle: 'training seconds', y: 'ppl', yTitle: 'validation perplexity', series: 'model', band: { lo: 'lo', hi: 'hi' } })),
    renderSvg(lineChart({ title: 'Validation perplexity against steps', rows: runRows, x: 'step', xTitle: 'step', y: 'val_ppl', yTitle: 'validation perplexity', series: 'run' })),
    renderSvg(lineChart({ title: 'Validation perplexity against training FLOPs', rows: runRows.filter((x) => x.flops > 0), x: 'flops', xTitle: 'training FLOPs', y: 'val_ppl', yTitle: 'validation perplexity', series: 'run', logX: true })),
  ]);
}

/** Accuracy against file size and against batch-8 latency, each with its Pareto front marked. */
async function compressionPlots(reportPoints: ReportPoint[]): Promise<string[]> {
  const points = reportPoints.map((p) => ({ id: p.id, model: p.model, format: p.format, accuracy: p.accuracy, bytes_mb: p.bytes / 1e6, latency_ms: p.latency_ms }));
  // A sweep without compressed models has no accuracy to plot.
  if (points.length === 0) return [];
  const frontBytes = paretoFront(points, (p) => p.bytes_mb);
  const frontLatency = paretoFront(points, (p) => p.latency_ms);
  const pearson = reportPoints.some((p) => p.metric === 'pearson');
  const [score, scoreTitle] = pearson ? ["Pearson's r", "test Pearson's r"] : ['Accuracy', 'test accuracy'];
  return Promise.all([
    renderSvg(paretoChart({ title: `${score} against file size (Pareto front marked)`, points, front: frontBytes, cost: 'bytes_mb', costTitle: 'ONNX file (MB)', logX: true, scoreTitle })),
    renderSvg(paretoChart({ title: `${score} against batch-8 latency (Pareto front marked)`, points, front: frontLatency, cost: 'latency_ms', costTitle: 'latency, batch 8 (ms)', scoreTitle })),
  ]);
}

/** One row per model size: final perplexity over seeds, time to the target perplexity, the fitted curve. */
function sizeTable(analysis: SweepAnalysis): string {
  return table(
    ['model', 'params', 'runs', 'final val ppl', '± std', `time to ppl ${num(analysis.target_ppl)} (s)`, 'fit a + b t^-c'],
    analysis.sizes.map((s) => [
      s.model,
      s.params.toLocaleString('en-US'),
      s.runs,
      num(s.final_ppl.mean),
      num(s.final_ppl.std),
      s.time_to_target_s ? `${num(s.time_to_target_s.mean)} (${s.time_to_target_s.reached}/${s.runs} reached)` : 'not reached',
      s.fit ? `a=${num(s.fit.a, 2)} b=${num(s.fit.b, 2)} c=${num(s.fit.c, 2)} (R² ${num(s.fit.r2, 2)})` : '–',
    ]),
  );
}

const percentRange = (i?: [number, number]) => (i ? `${num(100 * i[0])}-${num(100 * i[1])}` : '–');

/**
 * One row per compressed model: accuracy with its interval, the classes it predicts, its loss
 * against fp32, file size, both latencies; above it the baselines and any collapse warning.
 */
function pointTable(points: ReportPoint[]): string {
  const b = points.find((p) => p.baselines)?.baselines;
  const collapsed = points.filter((p) => p.classes !== undefined && collapseWarning(p.id, p, p.classes) !== null);
  const notes = [
    b ? `<p>Baselines on the same test examples: majority class ${num(100 * b.majority)}%; bag of words (TF-IDF + logistic regression) ${num(100 * b.bag_of_words)}% (${percentRange(b.bag_of_words_95)}).</p>` : '',
    collapsed.length > 0 ? `<p class="warn">Warning: ${esc(collapsed.map((p) => `${p.id} predicts ${p.predicted_classes} of ${p.classes} classes`).join('; '))}: too few to have learned the task.</p>` : '',
  ];
  // Pearson's r is shown as r, its change in points of r x 100, as accuracy's is in points of %.
  const pearson = points.some((p) => p.metric === 'pearson');
  const range = (i?: [number, number]) => (pearson && i ? `${num(i[0], 3)}-${num(i[1], 3)}` : percentRange(i));
  const rows = points.map((p) => [p.model, p.format, pearson ? num(p.accuracy, 3) : num(100 * p.accuracy, 2), range(p.accuracy_95), p.predicted_classes ?? '–', num(100 * (p.accuracy - p.fp32_accuracy), 2), num(p.bytes / 1e6, 2), num(p.latency_batch1_ms, 1), num(p.latency_ms, 1), p.method]);
  return `${notes.join('')}\n${table(['model', 'format', pearson ? "test Pearson's r" : 'test accuracy', '95% interval', 'classes predicted', 'Δ vs fp32 (pt)', 'file MB', 'latency b1 (ms)', 'latency b8 (ms)', 'method'], rows)}`;
}

/** Per model, wall-clock to the target perplexity by batch size, and where a larger batch stops helping; empty without a batch-size study. */
function batchSizeSection(studies: BatchSizeStudy[]): string {
  return studies
    .map(
      (b) =>
        `<h3>${esc(b.model)}: wall-clock to perplexity ${num(b.target_ppl)} by batch size</h3>` +
        table(
          ['batch size', 'runs', 'steps', 'tokens/s', 'final val ppl', `time to ppl ${num(b.target_ppl)} (s)`],
          b.rows.map((x) => [x.batch_size, x.runs, num(x.steps, 0), num(x.tokens_per_s, 0), num(x.final_ppl.mean), x.time_to_target_s ? `${num(x.time_to_target_s.mean)} (${x.time_to_target_s.reached}/${x.runs} reached)` : 'not reached']),
        ) +
        `<p>Fastest to the target: ${b.fastest_batch ?? 'none reached it'}${b.stops_helping_after !== undefined ? `; a batch larger than ${b.stops_helping_after} is no faster` : ''}.</p>`,
    )
    .join('\n');
}

/** The question the sweep exists to answer: does the largest size reach the smallest's final perplexity sooner? */
function largerWinsText(analysis: SweepAnalysis): string {
  const wins = analysis.larger_wins;
  return wins
    ? `Does the largest size (${wins.largest}) reach the smallest size's final perplexity (${num(wins.target_ppl)}, at ${num(wins.smallest_s)} s) in less wall-clock? <b>${wins.answer}</b>${wins.largest_s !== undefined ? ` (${num(wins.largest_s)} s)` : ' (not reached within the budget)'}.`
    : '';
}
