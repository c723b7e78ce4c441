/** Which exponential smoothing: ETS(A, trend, season) with additive errors. */
export interface EtsSpec {
  trend: "none" | "additive" | "damped";
  /** Seasonal period in steps; 0 or 1 for no season. */
  period: number;
}

/** Smoothing parameters in the error-correction form (Hyndman et al. 2008, table 2.3). */
export interface EtsParams {
  alpha: number;
  /** Trend smoothing (ETS β, at most α); ignored without trend. */
  beta: number;
  /** Seasonal smoothing (ETS γ, at most 1 − α); ignored without season. */
  gamma: number;
  /** Damping in (0, 1]; 1 for an undamped trend. */
  phi: number;
}

/** States after the last observation, enough to forecast. */
export interface EtsState {
  level: number;
  trend: number;
  /** Seasonal states by phase: `season[j]` applies to forecast step `j + 1` (mod period). */
  season: number[];
}

export interface EtsFit {
  state: EtsState;
  /** Mean squared error over the horizons scored. */
  loss: number;
}

/**
 * Initial states from the first cycles, as a classical decomposition would give: level and
 * trend from the means of the first two cycles, seasonal indices from the first (up to) three
 * cycles less their means. Close to R's `HoltWinters` start-up.
 */
export function etsInitialState(y: Float64Array, spec: EtsSpec): EtsState {
  const m = spec.period >= 2 ? Math.round(spec.period) : 0;
  const n = y.length;
  const block = Math.min(n, Math.max(m, 1) * (m ? 1 : 10));
  const mean = (from: number, len: number) => {
    let s = 0;
    for (let i = from; i < from + len; i++) s += y[i];
    return s / len;
  };
  const first = mean(0, block);
  const second = n >= 2 * block ? mean(block, block) : first;
  const trend = spec.trend === "none" ? 0 : (second - first) / block;
  const season: number[] = [];
  if (m) {
    const cycles = Math.max(1, Math.min(3, Math.floor(n / m)));
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < cycles; c++) s += y[c * m + j] - mean(c * m, m);
      season.push(s / cycles);
    }
  }
  // The level before the first observation: the first cycle's mean, moved back half a cycle.
  return { level: first - (trend * (block + 1)) / 2, trend, season };
}

/**
 * Runs the ETS(A, trend, season) recursions over `y` from `init` and scores forecasts from every
 * origin at each of `horizons` steps ahead (`[1]` is the usual one-step MSE; several horizons
 * give R forecast's `opt.crit = "amse"`, which suits long-horizon forecasting). Horizons other
 * than the first are scored from every third origin only.
 *
 *   μ = l + φb + s[t−m];  ε = y − μ;  l ← l + φb + αε;  b ← φb + βε;  s[t] ← s[t−m] + γε
 *
 * @returns the final states and the mean squared error.
 */
export function etsFilter(
  y: Float64Array,
  spec: EtsSpec,
  params: EtsParams,
  init: EtsState,
  horizons: number[] = [1],
): EtsFit {
  const m = spec.period >= 2 ? Math.round(spec.period) : 0;
  const hasTrend = spec.trend !== "none";
  const phi = spec.trend === "damped" ? params.phi : 1;
  const { alpha } = params;
  const beta = hasTrend ? params.beta : 0;
  const gamma = m ? params.gamma : 0;
  const ring = m ? Float64Array.from(init.season) : new Float64Array(1);
  const n = y.length;
  // Scored horizons, their damped sums φ + … + φ^k and their phase offsets k mod m.
  const ks = Int32Array.from(horizons.filter((k) => k >= 1)).sort();
  const nk = ks.length;
  const damp = Float64Array.from(ks, (k) => dampedSum(phi, k));
  const shift = Int32Array.from(ks, (k) => (m ? k % m : 0));
  let level = init.level;
  let trend = hasTrend ? init.trend : 0;
  let sse = 0;
  let count = 0;
  // The search runs this loop thousands of times per customer: counters, not `%`, and the
  // one-step score (every origin) apart from the longer ones.
  const cycle = m || 1;
  const k0 = nk > 0 ? ks[0] : n;
  const damp0 = nk > 0 ? damp[0] : 0;
  const shift0 = nk > 0 ? shift[0] : 0;
  for (let t = 0, ph = 0, third = 0; t < n; t++) {
    const s = ring[ph];
    const e = y[t] - (level + phi * trend + s);
    level = level + phi * trend + alpha * e;
    trend = phi * trend + beta * e;
    ring[ph] = s + gamma * e;
    // Horizons beyond one step are scored from every third origin (3 is prime to the usual
    // periods, so every phase still counts): a third of the cost, the same minimiser.
    if (third === 0) {
      for (let j = 0; j < nk; j++) {
        const target = t + ks[j];
        if (target >= n) break;
        let tp = ph + shift[j];
        if (tp >= cycle) tp -= cycle;
        const d = y[target] - (level + damp[j] * trend + ring[m ? tp : 0]);
        sse += d * d;
        count++;
      }
    } else if (t + k0 < n) {
      let tp = ph + shift0;
      if (tp >= cycle) tp -= cycle;
      const d = y[t + k0] - (level + damp0 * trend + ring[m ? tp : 0]);
      sse += d * d;
      count++;
    }
    if (++third === 3) third = 0;
    if (++ph === cycle) ph = 0;
  }
  const season: number[] = [];
  for (let j = 0; j < m; j++) season.push(ring[(n + j) % m]);
  return { state: { level, trend, season }, loss: count > 0 ? sse / count : Number.POSITIVE_INFINITY };
}

/**
 * Point forecasts `l + (φ + … + φ^k) b + s` for steps 1..h.
 *
 * @returns h forecasts.
 */
export function etsForecast(state: EtsState, spec: EtsSpec, params: EtsParams, h: number): Float64Array {
  const phi = spec.trend === "damped" ? params.phi : 1;
  const m = state.season.length;
  const out = new Float64Array(h);
  let damp = 0;
  let power = 1;
  for (let k = 1; k <= h; k++) {
    power *= phi;
    damp += power;
    out[k - 1] =
      state.level + (spec.trend === "none" ? 0 : damp * state.trend) + (m ? state.season[(k - 1) % m] : 0);
  }
  return out;
}

function dampedSum(phi: number, k: number): number {
  if (phi === 1) return k;
  return (phi * (1 - phi ** k)) / (1 - phi);
}

/** Candidate values tried for each parameter by {@link etsSearch}. */
export const ETS_GRID = {
  alpha: [0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7],
  beta: [0, 0.003, 0.03],
  gamma: [0, 0.03, 0.1, 0.25],
  phi: [0.85, 0.95, 0.99],
};

/**
 * Chooses smoothing parameters by coordinate search over {@link ETS_GRID} (one parameter at a
 * time, α last again), in place of the Nelder–Mead optimiser of R's `ets`: a few dozen O(n)
 * passes instead of hundreds, with the admissible ranges β ≤ α, γ ≤ 1 − α.
 *
 * @param horizons - steps ahead scored (see etsFilter). Default [1].
 * @returns the parameters with the lowest loss, and the fit they give.
 */
export function etsSearch(
  y: Float64Array,
  spec: EtsSpec,
  horizons: number[] = [1],
): { params: EtsParams; fit: EtsFit } {
  const init = etsInitialState(y, spec);
  const seasonal = spec.period >= 2;
  const hasTrend = spec.trend !== "none";
  let params: EtsParams = { alpha: 0.1, beta: hasTrend ? 0.003 : 0, gamma: seasonal ? 0.03 : 0, phi: 0.95 };
  let best = etsFilter(y, spec, params, init, horizons);
  const names: (keyof EtsParams)[] = ["alpha"];
  if (seasonal) names.push("gamma");
  if (hasTrend) names.push("beta");
  if (spec.trend === "damped") names.push("phi");
  // A trial met before lost to the best of its time, so to today's: the second α sweep skips
  // those the sweeps between left unchanged (about one pass in eight).
  const tried = new Set<string>();
  const key = (p: EtsParams) => `${p.alpha} ${p.beta} ${p.gamma} ${p.phi}`;
  tried.add(key(params));
  // One sweep over every parameter, then α again (it interacts with all the others).
  for (const name of [...names, "alpha" as const]) {
    for (const value of ETS_GRID[name]) {
      if (value === params[name]) continue;
      const trial = { ...params, [name]: value };
      if (trial.beta > trial.alpha || trial.gamma > 1 - trial.alpha) continue;
      if (tried.has(key(trial))) continue;
      tried.add(key(trial));
      const fit = etsFilter(y, spec, trial, init, horizons);
      if (fit.loss < best.loss) {
        best = fit;
        params = trial;
      }
    }
  }
  return { params, fit: best };
}
