import type { Drivers, FitInput, ForecastModel } from "./model.ts";

export interface EnsembleState {
  combine: "mean" | "median";
  /** Each member's alias and fitted state; predict resolves the alias again. */
  members: { alias: string; state: unknown }[];
}

/**
 * A combination of other models' point forecasts, step by step: the mean (or median) of its
 * members, the way Amazon Forecast's AutoPredictor ensembles its algorithms. Members that fail
 * to fit are left out; the ensemble fails only when all do.
 *
 * @param resolve - the model for a member alias (the catalog's `modelFor`).
 * @param members - member aliases, fitted in this order.
 * @param combine - "mean" or "median". Default "mean".
 */
export function ensemble(
  resolve: (alias: string) => ForecastModel,
  members: string[],
  combine: EnsembleState["combine"] = "mean",
): ForecastModel<EnsembleState> {
  return {
    alias: "Ensemble",
    fit(input: FitInput): EnsembleState {
      const fitted: EnsembleState["members"] = [];
      const failures: string[] = [];
      for (const alias of members) {
        try {
          fitted.push({ alias, state: resolve(alias).fit(input) });
        } catch (e) {
          failures.push(`${alias}: ${(e as Error).message}`);
        }
      }
      if (fitted.length === 0) throw new Error(`every ensemble member failed (${failures.join("; ")})`);
      return { combine, members: fitted };
    },
    predict(state: EnsembleState, h: number, future?: Drivers): Float64Array {
      const forecasts = state.members.map((m) => resolve(m.alias).predict(m.state, h, future));
      return combineForecasts(forecasts, state.combine);
    },
    /**
     * A mean's contributions are its members' divided by their count, merged by name; a member
     * that cannot explain itself contributes its whole forecast under its own name. A median has
     * no additive split: it is one component, "Ensemble".
     */
    explain(state: EnsembleState, h: number, future?: Drivers): Record<string, Float64Array> {
      if (state.combine !== "mean") return { Ensemble: this.predict(state, h, future) };
      const out: Record<string, Float64Array> = {};
      const weight = 1 / state.members.length;
      for (const m of state.members) {
        const model = resolve(m.alias);
        const parts = model.explain?.(m.state, h, future) ?? { [m.alias]: model.predict(m.state, h, future) };
        for (const [name, values] of Object.entries(parts)) {
          const target = (out[name] ??= new Float64Array(h));
          for (let s = 0; s < h; s++) target[s] += weight * values[s];
        }
      }
      return out;
    },
    /**
     * The mean of the members' own variances, among members that have one (a combination's
     * errors are no larger than its members' on average); NaN when none has.
     */
    variance(state: EnsembleState, h: number): Float64Array {
      const own = state.members.flatMap((m) => {
        const v = resolve(m.alias).variance?.(m.state, h);
        return v ? [v] : [];
      });
      if (own.length === 0) return new Float64Array(h).fill(Number.NaN);
      return Float64Array.from({ length: h }, (_, s) => own.reduce((sum, v) => sum + v[s], 0) / own.length);
    },
  };
}

/** Step-by-step mean or median of equally long forecasts. */
export function combineForecasts(forecasts: Float64Array[], combine: EnsembleState["combine"]): Float64Array {
  const h = forecasts[0].length;
  const k = forecasts.length;
  const out = new Float64Array(h);
  const column = new Float64Array(k);
  for (let s = 0; s < h; s++) {
    if (combine === "mean") {
      // Each term divided first: three forecasts near the largest double must not overflow.
      let mean = 0;
      for (const f of forecasts) mean += f[s] / k;
      out[s] = mean;
    } else {
      for (let j = 0; j < k; j++) column[j] = forecasts[j][s];
      column.sort();
      out[s] = k % 2 === 1 ? column[(k - 1) / 2] : (column[k / 2 - 1] + column[k / 2]) / 2;
    }
  }
  return out;
}
