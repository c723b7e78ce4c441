import {
  CALTRACK_BIN_ENDPOINTS_F,
  coolingDegrees,
  fahrenheitToCelsius,
  heatingDegrees,
  segmentKnots,
  temperatureSegments,
} from "../kernels/temperature-response.ts";
import { nominalStepMs } from "../series/frequency.ts";
import { absorbedLeastSquares, calendarSlot, positionSlot } from "./driver-regression.ts";
import { compact } from "./fit-window.ts";
import type { Drivers, FitInput, ForecastModel } from "./model.ts";

const HOUR = 3_600_000;
const WEEK = 168 * HOUR;

export interface TowtOptions {
  /** Temperatures are in °F (CalTRACK's unit); default °C, the knots are converted. */
  fahrenheit?: boolean;
  /** Weeks of history fitted. Default 12 (see the model's note on segmentation). */
  weeks?: number;
  /** Driver field holding the temperature. Default `temperature`, else the first field. */
  temperatureField?: string;
}

export interface TowtState {
  stepMs: number;
  /** Epoch ms of the last fitted step; null when fitted without a calendar (slots by position). */
  end: number | null;
  slots: number;
  slotMs: number;
  /** Mean load of each time-of-week slot at 0 degrees of every segment (the intercepts). */
  slotEffects: number[];
  /** 1 for an occupied slot (CalTRACK's occupancy rule), else 0. */
  occupied: number[];
  /** Null when fitted without temperature: then TOWT is a time-of-week average. */
  temperature: {
    field: string;
    knots: number[];
    occupiedSlopes: number[];
    unoccupiedSlopes: number[];
    fill: number;
  } | null;
  /** Residual variance (TOWT has no error model: errors are taken as independent). */
  sigma2: number;
}

/**
 * LBNL's time-of-week-and-temperature model (Mathieu, Price, Kiliccote & Piette 2011) as
 * CalTRACK specifies it for hourly data: one indicator per hour of the week, and a continuous
 * piecewise-linear temperature response with knots at CalTRACK's bin endpoints (30, 45, 55, 65,
 * 75, 90 °F; a bin with fewer than 20 hours merged into its neighbour), fitted separately for
 * occupied and unoccupied hours. An hour of the week is occupied when the residuals of a
 * HDD(50 °F) + CDD(65 °F) regression are positive in more than 65% of its weeks.
 *
 * Simplified from CalTRACK: one model on the last 12 weeks instead of twelve monthly models each
 * on three weighted months (for a forecast of the next days the recent weeks are those months'
 * stand-in), unweighted least squares, no holidays (TOWT has none), the calendar in UTC. The
 * building-energy peer of DriverRegression and a candidate in its own right.
 */
export function timeOfWeekTemperature(options: TowtOptions = {}): ForecastModel<TowtState> {
  return {
    alias: "TOWT",
    fit: (input) => fitTowt(input, options),
    predict(state, h, future) {
      const parts = explainTowt(state, h, future);
      const out = new Float64Array(h);
      for (const v of Object.values(parts)) for (let k = 0; k < h; k++) out[k] += v[k];
      return out;
    },
    explain: explainTowt,
    variance: (state, h) => new Float64Array(h).fill(state.sigma2),
  };
}

function fitTowt(input: FitInput, options: TowtOptions): TowtState {
  const stepMs = nominalStepMs(input.frequency);
  if (stepMs > HOUR) throw new Error(`TOWT is an hourly model (got ${input.frequency} data)`);
  let from = Math.max(0, input.y.length - Math.round(((options.weeks ?? 12) * WEEK) / stepMs));
  while (from < input.y.length && !Number.isFinite(input.y[from])) from++;
  const n = input.y.length - from;
  if (n === 0) throw new Error("series has no readings");
  const end = input.start !== undefined ? input.start + (input.y.length - 1) * stepMs : null;
  const slots = 168;
  const slotMs = HOUR;
  if (end === null && stepMs !== HOUR) throw new Error("TOWT needs the calendar (start) for sub-hourly data");

  const fields = input.drivers?.fields ?? {};
  const names = Object.keys(fields);
  const field = options.temperatureField ?? (names.includes("temperature") ? "temperature" : names[0]);
  const temp = field !== undefined ? fields[field]?.subarray(from) : undefined;
  // Plain loops into typed arrays: this runs for every backtest window of every hourly customer.
  const kept = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++)
    if (Number.isFinite(input.y[from + i]) && (!temp || Number.isFinite(temp[i]))) kept[m++] = i;
  const y = new Float64Array(m);
  const slot = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const i = kept[r];
    y[r] = input.y[from + i];
    slot[r] =
      end !== null
        ? calendarSlot(input.start! + (from + i) * stepMs, slots, slotMs)[0]
        : positionSlot(i - (n - 1), slots)[0];
  }
  const absorbed = { slot, slots };
  const hasTemperature = !!temp && m > 0 && temp.some(Number.isFinite);
  const toC = (f: number) => (options.fahrenheit ? f : fahrenheitToCelsius(f));

  const occupied = new Array<number>(slots).fill(1);
  let state: TowtState["temperature"] = null;
  let fit: ReturnType<typeof absorbedLeastSquares>;
  if (hasTemperature && field !== undefined) {
    const t = new Float64Array(m);
    for (let r = 0; r < m; r++) t[r] = temp[kept[r]];
    // Occupancy: hours of the week whose load sits above a plain degree-day fit most weeks.
    const pre = absorbedLeastSquares(
      y,
      [
        { values: heatingDegrees(t, toC(50)), ridge: 1e-6 },
        { values: coolingDegrees(t, toC(65)), ridge: 1e-6 },
      ],
      { slot: null, slots: 1 },
    );
    const above = new Float64Array(slots);
    const count = new Float64Array(slots);
    for (let r = 0; r < m; r++) {
      count[slot[r]]++;
      if (pre.residuals[r] > 0) above[slot[r]]++;
    }
    for (let s = 0; s < slots; s++) occupied[s] = count[s] > 0 && above[s] / count[s] > 0.65 ? 1 : 0;
    const knots = segmentKnots(t, CALTRACK_BIN_ENDPOINTS_F.map(toC));
    const k = knots.length + 1;
    const segments = temperatureSegments(t, knots);
    const columns: { values: Float64Array; ridge: number }[] = [];
    for (const occ of [1, 0])
      for (let s = 0; s < k; s++) {
        const values = new Float64Array(m);
        for (let r = 0; r < m; r++) values[r] = occupied[slot[r]] === occ ? segments[s * m + r] : 0;
        columns.push({ values, ridge: 1e-6 });
      }
    fit = absorbedLeastSquares(y, columns, absorbed);
    let sum = 0;
    for (const v of t) sum += v;
    state = {
      field,
      knots: compact(knots),
      occupiedSlopes: compact(fit.beta.subarray(0, k)),
      unoccupiedSlopes: compact(fit.beta.subarray(k)),
      fill: compact([sum / m])[0],
    };
  } else {
    fit = absorbedLeastSquares(y, [], absorbed);
  }
  let level = 0;
  let filled = 0;
  for (const e of fit.effects)
    if (Number.isFinite(e)) {
      level += e;
      filled++;
    }
  level /= Math.max(1, filled);
  let sse = 0;
  for (const r of fit.residuals) sse += r * r;
  const dof = Math.max(1, m - filled - (state ? state.occupiedSlopes.length * 2 : 0));
  return {
    stepMs,
    end,
    slots,
    slotMs,
    slotEffects: compact(Array.from(fit.effects, (e) => (Number.isFinite(e) ? e : level))),
    occupied,
    temperature: state,
    sigma2: compact([sse / dof])[0],
  };
}

/** `timeOfWeek` (the slot intercepts) and the temperature response; they sum to the forecast. */
function explainTowt(state: TowtState, h: number, future?: Drivers): Record<string, Float64Array> {
  const tow = new Float64Array(h);
  const out: Record<string, Float64Array> = { timeOfWeek: tow };
  const slotOf = (k: number) =>
    state.end !== null
      ? calendarSlot(state.end + k * state.stepMs, state.slots, state.slotMs)[0]
      : positionSlot(k, state.slots)[0];
  for (let k = 1; k <= h; k++) tow[k - 1] = state.slotEffects[slotOf(k)];
  const t = state.temperature;
  if (t) {
    const v = future?.fields?.[t.field];
    if (!v || v.length < h)
      throw new Error(
        `TOWT was fitted with driver "${t.field}": predict needs future.fields.${t.field} for ${h} steps (got ${v ? v.length : "none"})`,
      );
    const temps = Float64Array.from({ length: h }, (_, k) => (Number.isFinite(v[k]) ? v[k] : t.fill));
    const segments = temperatureSegments(temps, t.knots);
    const load = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      const slopes = state.occupied[slotOf(k + 1)] ? t.occupiedSlopes : t.unoccupiedSlopes;
      for (let s = 0; s < slopes.length; s++) load[k] += slopes[s] * segments[s * h + k];
    }
    out[t.field] = load;
  }
  return out;
}
