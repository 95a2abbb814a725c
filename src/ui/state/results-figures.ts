/** The Results store's figure and chart selection (pure; Node-tested through the store's tests). */
import { buildFigure, FIGURE_KINDS, type FigureInputCell, type FigureKind, type StudyFigure } from '../../core/report/figure.ts';
import { modelInfoFromManifest, type ModelInfo } from '../../core/report/models.ts';
import { shotsSeries, trainingSizeSeries, type ChartData } from '../../core/report/series.ts';

/** The figures a run's cells make for a training set: the chosen column group, or all three. */
export function figuresOf(cells: readonly FigureInputCell[], trainingSet: string, figure: 'all' | FigureKind, models: readonly ModelInfo[] = []): StudyFigure[] {
  const kinds: readonly FigureKind[] = figure === 'all' ? FIGURE_KINDS : [figure];
  return kinds.map((k) => buildFigure({ trainingSet, kinds: [k] }, cells, models)).filter((f) => f.columns.length > 0 && f.panels.length > 0);
}

/** The shots charts of a run: one per test set and template with k-shot cells of some mode. */
export function chartsOf(cells: readonly FigureInputCell[], datasets: readonly string[], models: readonly ModelInfo[] = []): ChartData[] {
  const out: ChartData[] = [];
  for (const dataset of datasets) {
    const mine = cells.filter((c) => c.spec.dataset === dataset);
    const templates = [...new Set(mine.map((c) => c.spec.template))].sort((a, b) => a - b);
    for (const template of templates) {
      for (const mode of ['icl', 'fticl'] as const) {
        const shots = new Set(mine.filter((c) => c.spec.template === template && (c.spec.mode === mode || c.spec.mode === 'zero-shot')).map((c) => c.spec.shots));
        if (shots.size < 2) continue; // a line needs two numbers of shots
        const chart = shotsSeries(cells, { dataset, template, mode });
        if (chart) out.push(chart);
      }
    }
    const panels = [...new Set(mine.map((c) => `${c.spec.mode}-${c.spec.shots}-map${c.spec.template}`))];
    for (const panelId of panels) {
      const chart = trainingSizeSeries(cells, { dataset, panelId, models });
      if (chart) out.push(chart);
    }
  }
  return out;
}

/** What the figures know of the registry's models: base / FT / FTICL and the training set, from their provenance (an ftlab manifest's method and training). Other models are read from their id. */
export function modelInfosOf(sources: readonly { id: string; provenance: { method: string; trainingSet?: string; trainingSize?: number; shots?: number } }[]): ModelInfo[] {
  const out: ModelInfo[] = [];
  for (const s of sources) {
    const m = s.provenance.method.toLowerCase();
    if (m !== 'base' && m !== 'ft' && m !== 'fticl') continue;
    const training = m !== 'base' && s.provenance.trainingSet ? { dataset: s.provenance.trainingSet, size: s.provenance.trainingSize ?? 0, shots: s.provenance.shots ?? 0 } : null;
    out.push(modelInfoFromManifest({ id: s.id, method: m, training }));
  }
  return out;
}
