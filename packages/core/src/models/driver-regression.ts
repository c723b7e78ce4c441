import { choleskySolve, dot } from "../kernels/linalg.ts";
import { coolingDegrees, fitTemperatureResponse, heatingDegrees } from "../kernels/temperature-response.ts";
import { nominalStepMs } from "../series/frequency.ts";
import { fourierOrder } from "./fourier-regression.ts";
import { compact } from "./fit-window.ts";
import type { Drivers, FitInput, ForecastModel } from "./model.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export interface DriverRegressionOptions {
  /**
   * Weeks of sub-daily history fitted. Default 12: enough weeks per hour-of-week slot (12
   * readings each) and a span of weather wide enough to place balance points, yet recent enough
   * that the building and its occupants are the ones being forecast.
   */
  weeks?: number;
  /** Days of daily (and coarser: steps) history fitted. Default 730: two yearly cycles. */
  days?: number;
  /** Ridge on each standardised column, as a share of the rows. Default 1e-3. */
  ridge?: number;
  /** Ridge on the trend slope, larger: a slope fitted over weeks must not turn into a forecast. Default 0.1. */
  trendRidge?: number;
  /** Driver field given the heating/cooling response. Default `temperature`, else the first field. */
  temperatureField?: string;
  /** Regression errors as AR (lag 1 and one day for sub-daily data). Default true. */
  autoregressive?: boolean;
  /**
   * Steps held out at the end of the window to calibrate the variance (0: none). Default one
   * week of steps for sub-daily data (capped by the horizon), else 0. See {@link calibrate}.
   */
  holdout?: number;
  /**
   * Error sd of the temperature forecast one week ahead, in its unit, growing as √lead from 0
   * (variance only; the forecast is used as given). Default 2: a day-7 forecast misses by 2–3 °C
   * (NWS/ECMWF verification), a day-1 one by under 1 °C.
   */
  temperatureForecastError?: number;
}

/**
 * Error sd of a temperature forecast one week ahead (°C): a day-7 forecast misses by 2–3 °C
 * (NWS/ECMWF verification), a day-1 one by under 1 °C; it grows about as √lead.
 */
export const TEMPERATURE_FORECAST_ERROR = 2;

/** A numeric driver entered linearly. */
interface LinearField {
  field: string;
  coef: number;
  /** Stand-in for a missing future value: the field's mean over the fitted window. */
  fill: number;
}

export interface DriverRegressionState {
  /** Step length (ms) and epoch ms of the last fitted step: the calendar of forecast steps. */
  stepMs: number;
  end: number | null;
  /**
   * Time-of-week slots: one per step of the week (168 for hourly data, 7 for daily; hours of the
   * week for data finer than 15 minutes), or 0 (Fourier terms instead). Without the calendar
   * (`end` null) slots count from the last fitted step, so they keep the weekly shape but do
   * not know which day is Sunday.
   */
  slots: number;
  /** Duration of one slot, ms. */
  slotMs: number;
  /** Effect of each slot, centred (mean 0): the time-of-week profile. */
  slotEffects: number[];
  /** Level at the last fitted step. */
  level: number;
  /** Trend per step at the end of the window, and the damping of its extrapolation. */
  slope: number;
  damping: number;
  /** Sine/cosine pairs [period in steps, harmonic], coefficients sin then cos; time 0 = last step. */
  terms: [number, number][];
  fourier: number[];
  /**
   * Holiday effect: a holiday takes its own day's slot profile to the customer's Sunday profile
   * (weight `toSunday`, 1 by prior), plus a shift `shift`. Null when fitted without holiday flags.
   */
  holiday: { shift: number; toSunday: number } | null;
  temperature: {
    field: string;
    heatingBalance: number | null;
    coolingBalance: number | null;
    heatingSlope: number;
    coolingSlope: number;
    fill: number;
    /**
     * RMS of d(load)/d(temperature) over the window's last week, and the assumed error sd of
     * the temperature forecast one week ahead: the forecast's error carries into the load's.
     */
    sensitivity: number;
    forecastError: number;
  } | null;
  linear: LinearField[];
  /** AR model of the regression errors: lags, coefficients, the last errors (newest last). */
  ar: { lags: number[]; coef: number[]; last: number[] };
  /** Variance of the AR innovations (of the regression errors when there is no AR). */
  sigma2: number;
  /**
   * Relative error variance of each time-of-week slot (mean 1; empty without slots): a shop's
   * open hours vary more than its nights, as load noise scales with load.
   */
  varianceProfile: number[];
}

/**
 * Regression with drivers and AR errors ("regression with ARIMA errors", Hyndman &
 * Athanasopoulos §10; the additive structure of Prophet with regressors and holidays; the
 * temperature response of PRISM/CalTRACK): level + damped trend, a time-of-week effect
 * (hour-of-week for sub-daily data, day-of-week for daily, when the calendar `start` is known;
 * else Fourier terms of the seasonal periods), Fourier terms of longer periods, a holiday
 * effect that moves the day to the customer's Sunday profile, a heating/cooling degree response
 * to the temperature with per-customer balance points, other numeric drivers linearly, and an
 * AR model of what is left. Fitted by ridge-stabilised least squares with the time-of-week
 * dummies absorbed (Frisch–Waugh), so the cost is linear in the slots.
 *
 * Without drivers it is a calendar regression. Calendar slots are in UTC (the series grid's
 * own clock): a customer's "Sunday" is the UTC day, which is right for the slot effects and
 * off by the customer's UTC offset for the holiday's Sunday profile.
 */
export function driverRegression(
  options: DriverRegressionOptions = {},
): ForecastModel<DriverRegressionState> {
  return {
    alias: "DriverRegression",
    fit: (input) => calibrate(input, fitDriverRegression(input, options), options),
    predict: (state, h, future) => sumComponents(explainDriverRegression(state, h, future), h),
    explain: explainDriverRegression,
    variance: (state, h) => arVariance(state, h),
  };
}

/** Column roles, mapped to the component names of `explain`. */
type Role = "trend" | "fourier" | "holiday" | "toSunday" | "heating" | "cooling" | "linear";

interface Column {
  role: Role;
  values: Float64Array;
  ridge: number;
  /** Field for linear/heating/cooling; [period, k, sin|cos] for Fourier. */
  field?: string;
}

/**
 * Scales the variance by how far the model's own errors on a held-out stretch (the window's
 * last week, refitted without it, forecast with the drivers as they were) exceed what its
 * in-sample variance predicts: in-sample residuals miss misspecification (a thermal lag the
 * degree days do not have, a regime the window only started) and run small by the degrees of
 * freedom the slots took. One extra fit; the factor is kept in [0.5, 9] so one odd week
 * cannot collapse or explode the intervals.
 */
function calibrate(
  input: FitInput,
  state: DriverRegressionState,
  options: DriverRegressionOptions,
): DriverRegressionState {
  const stepMs = nominalStepMs(input.frequency);
  const fallback =
    stepMs < DAY ? Math.min(Math.round(WEEK / stepMs), input.horizon ?? Number.POSITIVE_INFINITY) : 0;
  const hold = options.holdout ?? fallback;
  const n = input.y.length;
  if (!(hold > 0) || n < 4 * hold) return state;
  const cut = n - hold;
  const slice = (d: Drivers | undefined, from: number, to: number): Drivers | undefined =>
    d && {
      fields: Object.fromEntries(Object.entries(d.fields).map(([f, v]) => [f, v.subarray(from, to)])),
      holiday: d.holiday?.subarray(from, to),
    };
  try {
    const inner = fitDriverRegression(
      { ...input, y: input.y.subarray(0, cut), drivers: slice(input.drivers, 0, cut) },
      options,
    );
    const f = sumComponents(explainDriverRegression(inner, hold, slice(input.drivers, cut, n)), hold);
    // The held-out week is forecast with the temperatures as they were: no forecast error.
    const v = arVariance(inner, hold, false);
    let e2 = 0;
    let v2 = 0;
    for (let k = 0; k < hold; k++) {
      const e = input.y[cut + k] - f[k];
      if (!Number.isFinite(e)) continue;
      e2 += e * e;
      v2 += v[k];
    }
    if (!(v2 > 0)) return state;
    const factor = Math.min(9, Math.max(0.5, e2 / v2));
    return { ...state, sigma2: compact([state.sigma2 * factor])[0] };
  } catch {
    return state;
  }
}

function fitDriverRegression(input: FitInput, options: DriverRegressionOptions): DriverRegressionState {
  const stepMs = nominalStepMs(input.frequency);
  const subDaily = stepMs < DAY;
  const daily = stepMs === DAY;
  const ridge = options.ridge ?? 1e-3;
  const want = subDaily
    ? Math.round(((options.weeks ?? 12) * WEEK) / stepMs)
    : daily
      ? (options.days ?? 730)
      : Math.max(200, 8 * Math.ceil(input.seasonalPeriods.at(-1) ?? 0));
  // The window: the last `want` steps, leading gaps trimmed.
  let from = Math.max(0, input.y.length - want);
  while (from < input.y.length && !Number.isFinite(input.y[from])) from++;
  const n = input.y.length - from;
  if (n === 0) throw new Error("series has no readings");
  const y = input.y.subarray(from);
  const end = input.start !== undefined ? input.start + (input.y.length - 1) * stepMs : null;
  const windowStart = input.start !== undefined ? input.start + from * stepMs : null;

  // Time-of-week slots need three cycles of the week so every slot has readings; without the
  // calendar they are positions in the week counted from the end (finer data than 15 minutes
  // would need too many: Fourier terms then).
  const slotMs = stepMs >= WEEK / 672 ? stepMs : HOUR;
  const slots =
    (subDaily || daily) && n * stepMs >= 3 * WEEK && (windowStart !== null || slotMs === stepMs)
      ? WEEK / slotMs
      : 0;
  const slotOf = new Int32Array(n);
  const sundayOf = new Int32Array(n);
  if (slots > 0)
    for (let i = 0; i < n; i++) {
      const [s, sun] =
        windowStart !== null
          ? calendarSlot(windowStart + i * stepMs, slots, slotMs)
          : positionSlot(i - (n - 1), slots);
      slotOf[i] = s;
      sundayOf[i] = sun;
    }

  // Drivers over the window; a field with no finite value there is not used.
  const fields = input.drivers?.fields ?? {};
  const names = Object.keys(fields).filter((f) => {
    const v = fields[f];
    if (v.length !== input.y.length)
      throw new Error(`driver "${f}" has ${v.length} steps, the series ${input.y.length}`);
    for (let i = from; i < input.y.length; i++) if (Number.isFinite(v[i])) return true;
    return false;
  });
  const temperatureField =
    options.temperatureField ?? (names.includes("temperature") ? "temperature" : names[0]);
  const holidayFlags = input.drivers?.holiday;
  if (holidayFlags && holidayFlags.length !== input.y.length)
    throw new Error(`holiday flags have ${holidayFlags.length} steps, the series ${input.y.length}`);

  // Rows fitted: a reading and every used driver known.
  const used = names.map((f) => fields[f].subarray(from));
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) continue;
    let known = true;
    for (const v of used) if (!Number.isFinite(v[i])) known = false;
    if (known) kept.push(i);
  }
  const rows = Int32Array.from(kept);
  const m = rows.length;
  // Typed-array loops, not `Float64Array.from(…, fn)`: V8 runs the callback form far slower.
  const byRow = (f: (i: number, r: number) => number) => {
    const out = new Float64Array(m);
    for (let r = 0; r < m; r++) out[r] = f(rows[r], r);
    return out;
  };
  const pick = (v: ArrayLike<number>, offset = 0) => byRow((i) => v[offset + i]);
  const yr = pick(y);
  const slotR = new Int32Array(m);
  for (let r = 0; r < m; r++) slotR[r] = slotOf[rows[r]];
  const absorbed: Absorbed = { slot: slots > 0 ? slotR : null, slots: Math.max(1, slots) };

  // Seasonal terms the slots do not already hold (a period dividing the week is absorbed).
  const periods = input.seasonalPeriods.filter((p) => {
    if (n < 2 * Math.ceil(p)) return false;
    if (slots === 0) return true;
    const perWeek = WEEK / (p * stepMs);
    return Math.abs(perWeek - Math.round(perWeek)) > 1e-9;
  });
  const terms = fourierTermsOf(periods);

  const columns: Column[] = [];
  const trendRidge = options.trendRidge ?? 0.1;
  if (n >= 2) columns.push({ role: "trend", values: byRow((i) => (i - (n - 1)) / n), ridge: trendRidge });
  for (const [p, k] of terms) {
    const w = (2 * Math.PI * k) / p;
    columns.push({ role: "fourier", values: byRow((i) => Math.sin(w * (i - (n - 1)))), ridge });
    columns.push({ role: "fourier", values: byRow((i) => Math.cos(w * (i - (n - 1)))), ridge });
  }
  let holidayRows = 0;
  const flags = holidayFlags ? pick(holidayFlags, from) : null;
  if (flags) {
    for (const f of flags) holidayRows += f;
    if (holidayRows > 0) columns.push({ role: "holiday", values: flags, ridge });
  }
  const linear: LinearField[] = [];
  const fieldFill: Record<string, number> = {};
  for (const f of names) {
    const v = pick(fields[f], from);
    fieldFill[f] = mean(v);
    if (f !== temperatureField) columns.push({ role: "linear", values: v, ridge, field: f });
  }

  // The temperature response: balance points profiled out of the whole regression.
  let temperature: DriverRegressionState["temperature"] = null;
  const temp = temperatureField !== undefined ? pick(fields[temperatureField], from) : null;
  if (temp && temperatureField !== undefined && m > columns.length + 8) {
    const residualize = residualizer(columns, absorbed);
    const r = fitTemperatureResponse(yr, temp, { residualize });
    temperature = {
      field: temperatureField,
      ...r,
      fill: fieldFill[temperatureField],
      sensitivity: 0,
      forecastError: options.temperatureForecastError ?? TEMPERATURE_FORECAST_ERROR,
    };
    if (r.heatingBalance !== null)
      columns.push({
        role: "heating",
        values: heatingDegrees(temp, r.heatingBalance),
        ridge,
        field: temperatureField,
      });
    if (r.coolingBalance !== null)
      columns.push({
        role: "cooling",
        values: coolingDegrees(temp, r.coolingBalance),
        ridge,
        field: temperatureField,
      });
  }

  let solved = absorbedLeastSquares(yr, columns, absorbed);
  // Holidays with a calendar: the day moves to the Sunday profile (offset, weight 1 by prior);
  // the data only adjust that weight, shrunk to 1 as much as one holiday's worth of readings.
  let toSunday = 1;
  let target = yr;
  if (flags && windowStart !== null && slots > 0 && holidayRows > 0) {
    const e = (s: number) => (Number.isFinite(solved.effects[s]) ? solved.effects[s] : 0);
    const g = byRow((i, r) => (flags[r] ? e(sundayOf[i]) - e(slotOf[i]) : 0));
    target = byRow((_, r) => yr[r] - g[r]);
    columns.push({ role: "toSunday", values: g, ridge: 1 });
    solved = absorbedLeastSquares(target, columns, absorbed);
    toSunday = 1 + solved.beta[columns.length - 1];
  }
  // A ridge-shrunk slope can turn negative in the joint fit: drop such a term and refit.
  for (const role of ["heating", "cooling"] as const) {
    const c = columns.findIndex((col) => col.role === role);
    if (c >= 0 && !(solved.beta[c] > 0) && temperature) {
      columns.splice(c, 1);
      if (role === "heating") temperature.heatingBalance = null;
      else temperature.coolingBalance = null;
      solved = absorbedLeastSquares(target, columns, absorbed);
    }
  }
  const { beta, effects } = solved;
  const coefOf = (role: Role, field?: string) => {
    const c = columns.findIndex((col) => col.role === role && (field === undefined || col.field === field));
    return c >= 0 ? beta[c] : 0;
  };
  if (temperature) {
    temperature.heatingSlope = temperature.heatingBalance !== null ? coefOf("heating") : 0;
    temperature.coolingSlope = temperature.coolingBalance !== null ? coefOf("cooling") : 0;
    const recent = Math.min(m, Math.round(WEEK / stepMs));
    let d2 = 0;
    for (let r = m - recent; r < m; r++) {
      const t = temp![r];
      if (temperature.heatingBalance !== null && t < temperature.heatingBalance)
        d2 += temperature.heatingSlope ** 2;
      if (temperature.coolingBalance !== null && t > temperature.coolingBalance)
        d2 += temperature.coolingSlope ** 2;
    }
    temperature.sensitivity = Math.sqrt(d2 / Math.max(1, recent));
  }
  for (const f of names)
    if (f !== temperatureField) linear.push({ field: f, coef: coefOf("linear", f), fill: fieldFill[f] });
  const fourier: number[] = [];
  columns.forEach((c, i) => {
    if (c.role === "fourier") fourier.push(beta[i]);
  });
  // Centre the slot effects into the level: the profile has mean 0 over the week.
  let level = 0;
  let filled = 0;
  for (const e of effects)
    if (Number.isFinite(e)) {
      level += e;
      filled++;
    }
  level = filled > 0 ? level / filled : 0;
  const slotEffects = Array.from(effects, (e) => (Number.isFinite(e) ? e - level : 0));

  // AR errors on the regression residuals, at the window's own steps (gaps break the pairs).
  const resid = new Float64Array(n).fill(Number.NaN);
  for (let r = 0; r < m; r++) resid[rows[r]] = solved.residuals[r];
  const stepsPerDay = Math.round(DAY / stepMs);
  const lags =
    options.autoregressive === false ? [] : subDaily && n > 4 * stepsPerDay ? [1, stepsPerDay] : [1];
  const ar = fitAr(resid, lags);
  const dof = Math.max(1, m - columns.length - (slots > 0 ? slots : 1) - ar.coef.length);
  // Innovation variance, corrected for the degrees of freedom the regression used.
  const sigma2 = (ar.sse / Math.max(1, ar.count)) * (m / Math.max(1, Math.min(m, dof)));
  const maxLag = lags.length > 0 ? Math.max(...lags) : 0;
  const last = Array.from(resid.subarray(n - maxLag), (e) => (Number.isFinite(e) ? e : 0));
  const varianceProfile = slots > 0 ? slotVariance(solved.residuals, slotR, slots) : [];

  return {
    stepMs,
    end,
    slots,
    slotMs,
    slotEffects: compact(slotEffects),
    level: compact([level])[0],
    slope: compact([coefOf("trend") / n])[0],
    damping: Math.max(0, Math.min(0.999, 1 - 4 / n)),
    terms,
    fourier: compact(fourier),
    holiday: holidayFlags
      ? {
          shift: compact([coefOf("holiday")])[0],
          toSunday: compact([slots > 0 && end !== null ? toSunday : 0])[0],
        }
      : null,
    temperature: temperature && {
      field: temperature.field,
      heatingBalance: temperature.heatingBalance,
      coolingBalance: temperature.coolingBalance,
      heatingSlope: compact([temperature.heatingSlope])[0],
      coolingSlope: compact([temperature.coolingSlope])[0],
      fill: compact([temperature.fill])[0],
      sensitivity: compact([temperature.sensitivity])[0],
      forecastError: temperature.forecastError,
    },
    linear: linear.map((l) => ({ field: l.field, coef: compact([l.coef])[0], fill: compact([l.fill])[0] })),
    ar: { lags: ar.lags, coef: compact(ar.coef), last: compact(last) },
    sigma2: compact([sigma2])[0],
    varianceProfile: compact(varianceProfile),
  };
}

/**
 * The forecast as named additive parts: `trend` (level + damped trend), one per seasonal period
 * (`daily`, `weekly`, `yearly`…), `daily` and `timeOfWeek` from the slots, `holiday`, one per
 * driver field, `autoregressive`. Their sum is the point forecast.
 *
 * @throws when the model used drivers and `future` does not hold them for `h` steps.
 */
export function explainDriverRegression(
  state: DriverRegressionState,
  h: number,
  future?: Drivers,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const part = (name: string) => {
    out[name] ??= new Float64Array(h);
    return out[name];
  };
  const needed = [
    ...(state.temperature ? [state.temperature.field] : []),
    ...state.linear.map((l) => l.field),
  ];
  for (const f of needed) {
    const v = future?.fields?.[f];
    if (!v || v.length < h)
      throw new Error(
        `DriverRegression was fitted with driver "${f}": predict needs future.fields.${f} for ${h} steps (got ${v ? v.length : "none"})`,
      );
  }
  if (state.holiday && (!future?.holiday || future.holiday.length < h))
    throw new Error(
      `DriverRegression was fitted with holiday flags: predict needs future.holiday for ${h} steps (got ${future?.holiday ? future.holiday.length : "none"})`,
    );

  const trend = part("trend");
  let growth = 0;
  let damp = 1;
  for (let k = 1; k <= h; k++) {
    damp *= state.damping;
    growth += damp;
    trend[k - 1] = state.level + state.slope * growth;
  }
  state.terms.forEach(([p, harmonic], j) => {
    const name = periodName(p, state.stepMs);
    const season = part(name);
    const w = (2 * Math.PI * harmonic) / p;
    const a = state.fourier[2 * j];
    const b = state.fourier[2 * j + 1];
    for (let k = 1; k <= h; k++) season[k - 1] += a * Math.sin(w * k) + b * Math.cos(w * k);
  });
  if (state.slots > 0) {
    const perDay = state.slots / 7;
    const dailyProfile = new Float64Array(perDay);
    if (perDay > 1)
      for (let s = 0; s < state.slots; s++) dailyProfile[s % perDay] += state.slotEffects[s] / 7;
    const tow = part("timeOfWeek");
    const dayPart = perDay > 1 ? part("daily") : null;
    const hol = state.holiday ? part("holiday") : null;
    for (let k = 1; k <= h; k++) {
      const [s, sun] =
        state.end !== null
          ? calendarSlot(state.end + k * state.stepMs, state.slots, state.slotMs)
          : positionSlot(k, state.slots);
      const d = dailyProfile[s % perDay];
      if (dayPart) dayPart[k - 1] += d;
      tow[k - 1] += state.slotEffects[s] - d;
      if (hol && future?.holiday?.[k - 1])
        hol[k - 1] += state.holiday!.toSunday * (state.slotEffects[sun] - state.slotEffects[s]);
    }
  }
  if (state.holiday) {
    const hol = part("holiday");
    for (let k = 0; k < h; k++) if (future?.holiday?.[k]) hol[k] += state.holiday.shift;
  }
  const value = (f: string, k: number, fill: number) => {
    const v = future!.fields[f][k];
    return Number.isFinite(v) ? v : fill;
  };
  if (state.temperature) {
    const t = state.temperature;
    const load = part(t.field);
    for (let k = 0; k < h; k++) {
      const x = value(t.field, k, t.fill);
      if (t.heatingBalance !== null) load[k] += t.heatingSlope * Math.max(0, t.heatingBalance - x);
      if (t.coolingBalance !== null) load[k] += t.coolingSlope * Math.max(0, x - t.coolingBalance);
    }
  }
  for (const l of state.linear) {
    const v = part(l.field);
    for (let k = 0; k < h; k++) v[k] += l.coef * value(l.field, k, l.fill);
  }
  if (state.ar.lags.length > 0) {
    const ar = part("autoregressive");
    const history = [...state.ar.last];
    for (let k = 0; k < h; k++) {
      let e = 0;
      state.ar.lags.forEach((lag, j) => {
        e += state.ar.coef[j] * history[history.length - lag];
      });
      history.push(e);
      ar[k] = e;
    }
  }
  return out;
}

function sumComponents(parts: Record<string, Float64Array>, h: number): Float64Array {
  const out = new Float64Array(h);
  for (const v of Object.values(parts)) for (let k = 0; k < h; k++) out[k] += v[k];
  return out;
}

/**
 * Forecast error variance at steps 1..h: σ² Σ ψⱼ² over the MA(∞) weights of the AR error
 * model, scaled by the slot's variance profile, plus (with `driverError`) the temperature
 * forecast's error carried through the load's sensitivity, growing as √lead. Coefficient
 * uncertainty is not in it; the holdout calibration (see calibrate) absorbs part of it.
 */
export function arVariance(state: DriverRegressionState, h: number, driverError = true): Float64Array {
  const psi = new Float64Array(h);
  const out = new Float64Array(h);
  let total = 0;
  for (let j = 0; j < h; j++) {
    let v = j === 0 ? 1 : 0;
    state.ar.lags.forEach((lag, i) => {
      if (j - lag >= 0) v += state.ar.coef[i] * psi[j - lag];
    });
    psi[j] = v;
    total += v * v;
    out[j] = state.sigma2 * total;
  }
  const profile = state.varianceProfile;
  if (profile.length === state.slots && state.slots > 0)
    for (let k = 1; k <= h; k++) {
      const [s] =
        state.end !== null
          ? calendarSlot(state.end + k * state.stepMs, state.slots, state.slotMs)
          : positionSlot(k, state.slots);
      out[k - 1] *= profile[s];
    }
  const t = state.temperature;
  if (driverError && t && t.sensitivity > 0)
    for (let k = 1; k <= h; k++)
      out[k - 1] += (t.sensitivity * t.forecastError) ** 2 * ((k * state.stepMs) / WEEK);
  return out;
}

/**
 * Mean squared residual per slot over the overall mean, half from the slot itself and half
 * from its time of day across the week (a slot has only a dozen readings: its own variance is
 * a noisy estimate), floored at a tenth so no hour gets a zero-width interval.
 */
function slotVariance(residuals: Float64Array, slot: Int32Array, slots: number): number[] {
  const perDay = slots / 7;
  const sum = new Float64Array(slots);
  const count = new Float64Array(slots);
  const daySum = new Float64Array(perDay);
  const dayCount = new Float64Array(perDay);
  let total = 0;
  for (let r = 0; r < residuals.length; r++) {
    const e2 = residuals[r] * residuals[r];
    sum[slot[r]] += e2;
    count[slot[r]]++;
    daySum[slot[r] % perDay] += e2;
    dayCount[slot[r] % perDay]++;
    total += e2;
  }
  const overall = total / Math.max(1, residuals.length);
  if (!(overall > 0)) return new Array<number>(slots).fill(1);
  const raw = Array.from({ length: slots }, (_, s) => {
    const day = dayCount[s % perDay] > 0 ? daySum[s % perDay] / dayCount[s % perDay] : overall;
    const own = count[s] > 0 ? sum[s] / count[s] : day;
    return Math.max(0.1, (0.5 * own + 0.5 * day) / overall);
  });
  const mean = raw.reduce((a, b) => a + b, 0) / slots;
  return raw.map((v) => v / mean);
}

/**
 * Slot of the week at epoch ms `t` (slots of `slotMs` from Monday 00:00 UTC) and the slot at
 * the same time of day on Sunday, the profile a holiday takes.
 */
export function calendarSlot(t: number, slots: number, slotMs: number): [number, number] {
  // 1970-01-05 was a Monday.
  const sinceMonday = (((t - 4 * DAY) % WEEK) + WEEK) % WEEK;
  const s = Math.min(slots - 1, Math.floor(sinceMonday / slotMs));
  const perDay = slots / 7;
  return [s, 6 * perDay + (s % perDay)];
}

/** Slot at step `t` from the last fitted step (0), without a calendar; no Sunday is known. */
export function positionSlot(t: number, slots: number): [number, number] {
  const s = ((t % slots) + slots) % slots;
  return [s, s];
}

function periodName(p: number, stepMs: number): string {
  const days = (p * stepMs) / DAY;
  if (Math.abs(days - 1) < 0.01) return "daily";
  if (Math.abs(days - 7) < 0.05) return "weekly";
  if (Math.abs(days - 365.25) < 3) return "yearly";
  return `season${Number(p.toFixed(2))}`;
}

function fourierTermsOf(periods: number[]): [number, number][] {
  const terms: [number, number][] = [];
  const seen: number[] = [];
  for (const p of periods)
    for (let k = 1; k <= fourierOrder(p); k++) {
      const f = k / p;
      if (f >= 0.5 - 1e-9 || seen.some((g) => Math.abs(g - f) < 1e-9)) continue;
      seen.push(f);
      terms.push([p, k]);
    }
  return terms;
}

/** Group dummies absorbed by demeaning: `slot[r]` in [0, slots); null for one group (an intercept). */
export interface Absorbed {
  slot: Int32Array | null;
  slots: number;
}

/** `x` minus its mean within each slot. */
export function demean(x: Float64Array, a: Absorbed): Float64Array {
  const sum = new Float64Array(a.slots);
  const count = new Float64Array(a.slots);
  for (let r = 0; r < x.length; r++) {
    const s = a.slot ? a.slot[r] : 0;
    sum[s] += x[r];
    count[s]++;
  }
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r++) {
    const s = a.slot ? a.slot[r] : 0;
    out[r] = x[r] - sum[s] / count[s];
  }
  return out;
}

export interface AbsorbedFit {
  /** One coefficient per column (0 for a constant column). */
  beta: Float64Array;
  /** Each slot's mean of y − Xβ (NaN for a slot without rows). */
  effects: Float64Array;
  residuals: Float64Array;
}

/**
 * Ridge least squares of `y` on `columns` plus one dummy per slot, the dummies absorbed by
 * demeaning (Frisch–Waugh–Lovell): O(rows · columns²) whatever the number of slots. Ridge is on
 * the standardised columns, `ridge · rows` each; a column without variation gets coefficient 0.
 */
export function absorbedLeastSquares(
  y: Float64Array,
  columns: { values: Float64Array; ridge: number }[],
  a: Absorbed,
): AbsorbedFit {
  const m = y.length;
  const { z, scale, active } = standardised(columns, a);
  const k = active.length;
  const yd = demean(y, a);
  const beta = new Float64Array(columns.length);
  if (k > 0) {
    const gram = gramOf(z, m);
    for (let i = 0; i < k; i++) gram[i * k + i] += (columns[active[i]].ridge + 1e-9) * m;
    const rhs = Float64Array.from(z, (col) => dot(col, yd));
    const b = choleskySolve(gram, rhs, k);
    for (let i = 0; i < k; i++) beta[active[i]] = b[i] / scale[i];
  }
  const r = Float64Array.from(y);
  columns.forEach((c, j) => {
    if (beta[j] !== 0) for (let i = 0; i < m; i++) r[i] -= beta[j] * c.values[i];
  });
  const sum = new Float64Array(a.slots);
  const count = new Float64Array(a.slots);
  for (let i = 0; i < m; i++) {
    const s = a.slot ? a.slot[i] : 0;
    sum[s] += r[i];
    count[s]++;
  }
  const effects = sum.map((v, s) => (count[s] > 0 ? v / count[s] : Number.NaN));
  for (let i = 0; i < m; i++) r[i] -= effects[a.slot ? a.slot[i] : 0];
  return { beta, effects, residuals: r };
}

/**
 * x ↦ the residual of x on the slots and `columns` (the same ridge as the fit), for profiling a
 * non-linear term (the balance points) out of the regression.
 */
export function residualizer(
  columns: { values: Float64Array; ridge: number }[],
  a: Absorbed,
): (x: Float64Array) => Float64Array {
  const { z, active } = standardised(columns, a);
  const k = active.length;
  const m = z[0]?.length ?? 0;
  if (k === 0) return (x) => demean(x, a);
  const gram = gramOf(z, m);
  for (let i = 0; i < k; i++) gram[i * k + i] += (columns[active[i]].ridge + 1e-9) * m;
  const zx = new Float64Array(k);
  return (x) => {
    const xd = demean(x, a);
    for (let j = 0; j < k; j++) zx[j] = dot(z[j], xd);
    const b = choleskySolve(gram, zx, k);
    // Four columns per pass: one load and store of xd for four updates (this loop is the fit's hot spot).
    let j = 0;
    for (; j + 3 < k; j += 4) {
      const [c0, c1, c2, c3] = [z[j], z[j + 1], z[j + 2], z[j + 3]];
      const [b0, b1, b2, b3] = [b[j], b[j + 1], b[j + 2], b[j + 3]];
      for (let i = 0; i < m; i++) xd[i] -= b0 * c0[i] + b1 * c1[i] + b2 * c2[i] + b3 * c3[i];
    }
    for (; j < k; j++) {
      const col = z[j];
      const bj = b[j];
      for (let i = 0; i < m; i++) xd[i] -= bj * col[i];
    }
    return xd;
  };
}

function standardised(columns: { values: Float64Array }[], a: Absorbed) {
  const z: Float64Array[] = [];
  const scale: number[] = [];
  const active: number[] = [];
  columns.forEach((c, j) => {
    const d = demean(c.values, a);
    const s = Math.sqrt(dot(d, d) / Math.max(1, d.length));
    if (!(s > 1e-12)) return;
    for (let i = 0; i < d.length; i++) d[i] /= s;
    z.push(d);
    scale.push(s);
    active.push(j);
  });
  return { z, scale, active };
}

function gramOf(z: Float64Array[], _m: number): Float64Array {
  const k = z.length;
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = i; j < k; j++) {
      const s = dot(z[i], z[j]);
      gram[i * k + j] = s;
      gram[j * k + i] = s;
    }
  return gram;
}

/**
 * Least squares AR on the residual series (NaN breaks a pair), with the coefficients scaled
 * back inside the stationary region (Σ|φ| ≤ 0.98), so the error forecast decays to 0.
 */
function fitAr(
  e: Float64Array,
  lags: number[],
): { lags: number[]; coef: number[]; sse: number; count: number } {
  const maxLag = lags.length > 0 ? Math.max(...lags) : 0;
  const k = lags.length;
  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k);
  let count = 0;
  let yy = 0;
  for (let t = maxLag; t < e.length; t++) {
    if (!Number.isFinite(e[t])) continue;
    if (lags.some((l) => !Number.isFinite(e[t - l]))) continue;
    count++;
    yy += e[t] * e[t];
    for (let i = 0; i < k; i++) {
      xty[i] += e[t - lags[i]] * e[t];
      for (let j = 0; j < k; j++) xtx[i * k + j] += e[t - lags[i]] * e[t - lags[j]];
    }
  }
  if (k === 0 || count < 10 * k) {
    let sse = 0;
    let c = 0;
    for (const v of e)
      if (Number.isFinite(v)) {
        sse += v * v;
        c++;
      }
    return { lags: [], coef: [], sse, count: c };
  }
  for (let i = 0; i < k; i++) xtx[i * k + i] += 1e-9 * (yy + 1e-300);
  const coef = Array.from(choleskySolve(xtx, xty, k));
  const total = coef.reduce((s, c) => s + Math.abs(c), 0);
  if (total > 0.98) for (let i = 0; i < k; i++) coef[i] *= 0.98 / total;
  let sse = 0;
  for (let t = maxLag; t < e.length; t++) {
    if (!Number.isFinite(e[t]) || lags.some((l) => !Number.isFinite(e[t - l]))) continue;
    let f = 0;
    for (let i = 0; i < k; i++) f += coef[i] * e[t - lags[i]];
    sse += (e[t] - f) ** 2;
  }
  return { lags, coef, sse, count };
}

function mean(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return v.length > 0 ? s / v.length : 0;
}
