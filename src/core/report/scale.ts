/**
 * The figure's colour scale as data: a difference from the base model → one of seven bins
 * (−3 … +3, 0 = within ±step/2), and the legend of those bins. The view maps a bin to a design
 * token (--diff-neg-3 … --diff-pos-3), so colours live in the theme, not here.
 */
export const DELTA_BINS = [-3, -2, -1, 0, 1, 2, 3] as const;
export type DeltaBin = (typeof DELTA_BINS)[number];

/** Default step: 5 points (0.05) of accuracy or ROUGE-L F per bin. */
export const DEFAULT_DELTA_STEP = 0.05;

export function deltaBin(delta: number | undefined, step = DEFAULT_DELTA_STEP): DeltaBin | undefined {
  if (delta === undefined || !Number.isFinite(delta)) return undefined;
  const b = Math.round(delta / step);
  return Math.max(-3, Math.min(3, b)) as DeltaBin;
}

/** The legend: each bin with its range in points (×100), e.g. "−7.5 to −2.5". */
export function deltaLegend(step = DEFAULT_DELTA_STEP): { bin: DeltaBin; label: string }[] {
  const pts = (x: number): string => (x * 100).toFixed(1).replace('-', '−');
  return DELTA_BINS.map((bin) => {
    const lo = (bin - 0.5) * step;
    const hi = (bin + 0.5) * step;
    const label = bin === -3 ? `≤ ${pts(hi)}` : bin === 3 ? `≥ +${pts(lo)}` : bin === 0 ? `±${pts(hi)}` : `${bin > 0 ? '+' : ''}${pts(lo)} to ${bin > 0 ? '+' : ''}${pts(hi)}`;
    return { bin, label };
  });
}
