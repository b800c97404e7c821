// Medians, spreads and ratios of the samples each implementation produced.

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples };
}

/** The p-th percentile (0..100) of unsorted values, nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Adds `vs` ratios (this implementation's median over the reference's) to every figure. */
export function withRatios(figures, references) {
  for (const figure of Object.values(figures)) {
    for (const result of Object.values(figure.impls)) {
      result.ratio = {};
      for (const [label, ref] of Object.entries(references)) {
        const base = figure.impls[ref]?.median;
        if (base) result.ratio[label] = result.median / base;
      }
    }
  }
  return figures;
}
