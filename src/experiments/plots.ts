/** Vega-Lite charts rendered to standalone SVG strings (no browser, no canvas: vega's SVG renderer). */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Row = Record<string, string | number | boolean | null>;

const WIDTH = 520;
const HEIGHT = 300;

/** One line per series (with an optional mean ± std band), log-scaled y. */
export function lineChart(o: { title: string; rows: Row[]; x: string; xTitle: string; y: string; yTitle: string; series: string; band?: { lo: string; hi: string }; logX?: boolean }): TopLevelSpec {
  const color = { field: o.series, type: 'nominal' as const, title: o.series };
  const x = { field: o.x, type: 'quantitative' as const, title: o.xTitle, scale: o.logX ? { type: 'log' as const } : {} };
  const layers: unknown[] = [];
  if (o.band) layers.push({ mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: o.band.lo, type: 'quantitative', scale: { type: 'log' } }, y2: { field: o.band.hi }, color } });
  layers.push({ mark: { type: 'line', point: true }, encoding: { x, y: { field: o.y, type: 'quantitative', title: o.yTitle, scale: { type: 'log' } }, color } });
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: o.title, width: WIDTH, height: HEIGHT, data: { values: o.rows }, layer: layers } as TopLevelSpec;
}

/** A layered chart of the report's size. */
function layered(title: string, layer: unknown[]): TopLevelSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: WIDTH, height: HEIGHT, layer } as TopLevelSpec;
}

/** Accuracy (or the task's score, `scoreTitle`) against a cost, every model a point, the Pareto front as a step line over them. */
export function paretoChart(o: { title: string; points: Row[]; front: Row[]; cost: string; costTitle: string; logX?: boolean; scoreTitle?: string }): TopLevelSpec {
  const x = { field: o.cost, type: 'quantitative' as const, title: o.costTitle, scale: o.logX ? { type: 'log' as const } : { zero: false } };
  const y = { field: 'accuracy', type: 'quantitative' as const, title: o.scoreTitle ?? 'test accuracy', scale: { zero: false } };
  return layered(o.title, [
      { data: { values: o.front }, mark: { type: 'line', interpolate: 'step-after', color: '#888', strokeDash: [4, 3] }, encoding: { x, y } },
      { data: { values: o.points }, mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color: { field: 'model', type: 'nominal' }, shape: { field: 'format', type: 'nominal' }, tooltip: [{ field: 'id' }, { field: 'accuracy' }, { field: o.cost }] } },
      { data: { values: o.front }, mark: { type: 'point', size: 180, color: 'black', strokeWidth: 1.5 }, encoding: { x, y } },
  ]);
}

/**
 * The fitted law's curve per size over its measured evaluations (log-log), with a dashed rule and
 * a label at each predicted crossover.
 */
export function scalingChart(o: { title: string; fitted: Row[]; measured: Row[]; crossovers: Row[] }): TopLevelSpec {
  const x = { field: 'wall_s', type: 'quantitative' as const, title: 'training budget (seconds)', scale: { type: 'log' as const } };
  const y = { field: 'ppl', type: 'quantitative' as const, title: 'validation perplexity', scale: { type: 'log' as const } };
  const color = { field: 'model', type: 'nominal' as const, title: 'model' };
  return layered(o.title, [
      { data: { values: o.fitted }, mark: { type: 'line' }, encoding: { x, y, color } },
      { data: { values: o.measured }, mark: { type: 'point', size: 20, opacity: 0.6 }, encoding: { x, y, color } },
      { data: { values: o.crossovers }, mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: { x } },
      { data: { values: o.crossovers }, mark: { type: 'text', angle: 270, align: 'left', dx: -4, dy: -4, fontSize: 10, color: '#555' }, encoding: { x, y: { value: HEIGHT - 4 }, text: { field: 'label' } } },
  ]);
}
