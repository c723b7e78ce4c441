export interface NelderMeadOptions {
  /** Stop when the simplex's function values span less than this (relative). Default 1e-8. */
  tolerance?: number;
  /** Most function evaluations. Default 200 × dimension. */
  maxEvaluations?: number;
  /** Initial step per coordinate (10% of the start, 0.1 where the start is ~0, by default). */
  step?: number | number[];
}

export interface NelderMeadResult {
  x: Float64Array;
  value: number;
  evaluations: number;
}

/**
 * Minimises `f` by the Nelder–Mead simplex (the method of R's `optim` default, used by
 * `forecast::ets` and `stats::arima`). Written here rather than taken from a package: the
 * models call it thousands of times per customer on Float64Arrays, and the npm optimisers
 * allocate plain arrays per step. Non-finite values count as +∞, so a penalty of `Infinity`
 * keeps the search inside an admissible region.
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  start: ArrayLike<number>,
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = start.length;
  const tolerance = options.tolerance ?? 1e-8;
  const maxEvaluations = options.maxEvaluations ?? 200 * Math.max(1, n);
  let evaluations = 0;
  const value = (x: Float64Array) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  if (n === 0) {
    const x = new Float64Array(0);
    return { x, value: value(x), evaluations };
  }
  const points: Float64Array[] = [];
  const values: number[] = [];
  const origin = Float64Array.from(start);
  points.push(origin);
  values.push(value(origin));
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(start);
    const given = options.step;
    const step = typeof given === "number" ? given : given ? given[i] : 0.1 * Math.abs(p[i]) || 0.1;
    p[i] += step;
    points.push(p);
    values.push(value(p));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const trial = new Float64Array(n);
  const trial2 = new Float64Array(n);
  const along = (target: Float64Array, from: Float64Array, coefficient: number) => {
    for (let j = 0; j < n; j++) target[j] = centroid[j] + coefficient * (from[j] - centroid[j]);
  };
  const accept = (index: number, x: Float64Array, v: number) => {
    points[index].set(x);
    values[index] = v;
  };
  while (evaluations < maxEvaluations) {
    // Insertion sort: the order changes by one point per step, so this is nearly linear.
    for (let i = 1; i <= n; i++) {
      const k = order[i];
      let j = i - 1;
      while (j >= 0 && values[order[j]] > values[k]) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = k;
    }
    const best = order[0];
    const worst = order[n];
    const secondWorst = order[n - 1];
    const spread = Math.abs(values[worst] - values[best]);
    if (spread <= tolerance * (Math.abs(values[best]) + tolerance)) break;
    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const p = points[order[k]];
      for (let j = 0; j < n; j++) centroid[j] += p[j] / n;
    }
    along(trial, points[worst], -1);
    const reflected = value(trial);
    if (reflected < values[best]) {
      along(trial2, points[worst], -2);
      const expanded = value(trial2);
      if (expanded < reflected) accept(worst, trial2, expanded);
      else accept(worst, trial, reflected);
    } else if (reflected < values[secondWorst]) {
      accept(worst, trial, reflected);
    } else {
      const outside = reflected < values[worst];
      along(trial2, outside ? trial : points[worst], 0.5);
      const contracted = value(trial2);
      if (contracted < Math.min(reflected, values[worst])) accept(worst, trial2, contracted);
      else {
        // Shrink every point toward the best one.
        const b = points[best];
        for (let k = 1; k <= n; k++) {
          const p = points[order[k]];
          for (let j = 0; j < n; j++) p[j] = b[j] + 0.5 * (p[j] - b[j]);
          values[order[k]] = value(p);
        }
      }
    }
  }
  let best = 0;
  for (let k = 1; k <= n; k++) if (values[k] < values[best]) best = k;
  return { x: Float64Array.from(points[best]), value: values[best], evaluations };
}
