import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

// Charts are declared in Vega-Lite and rendered on the server to SVG by Vega's headless
// renderer, so the report needs no script and no network to show them.

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e8eb', labelLimit: 280 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 280 },
};

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  // The loader refuses every fetch: a spec carries its data inline.
  const loader = vega.loader();
  loader.load = async (uri: string) => {
    throw new Error(`chart data must be inline, not loaded from ${uri}`);
  };
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
