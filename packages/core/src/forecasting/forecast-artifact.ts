import type { ModelArtifact } from "../artifact/model-artifact.ts";
import { badRequest } from "../errors/myriad-error.ts";
import { modelFor } from "../models/catalog.ts";
import { type Drivers, quantileKey } from "../models/model.ts";
import type {
  ForecastPoint,
  InvokeRequest,
  InvokeResponse,
  WhatIfChange,
} from "../ports/inference-endpoint.ts";
import { addSteps, bucketStart, stepsBetween } from "../series/frequency.ts";
import { errorAt } from "./conformal.ts";

export const MAX_HORIZON = 10_000;

/**
 * Forecasts from a loaded artifact with no refit: the algorithm's point forecast plus the
 * calibrated errors at each requested quantile. Quantiles are monotone by construction (the
 * error quantiles are sorted) and clipped at zero for series that never went negative.
 */
export function forecastArtifact(artifact: ModelArtifact, request: InvokeRequest): InvokeResponse {
  const quantiles = [...new Set(request.quantiles ?? artifact.quantiles)].sort((a, b) => a - b);
  if (!Number.isInteger(request.horizon) || request.horizon < 1 || request.horizon > MAX_HORIZON) {
    throw badRequest("invalid_horizon", `horizon must be an integer from 1 to ${MAX_HORIZON}`);
  }
  if (quantiles.some((q) => !(q > 0 && q < 1)))
    throw badRequest("invalid_quantiles", "quantiles must be in (0, 1)");
  const freq = artifact.frequency;
  const first = addSteps(Date.parse(artifact.trainEnd), 1, freq);
  let offset = 0;
  if (request.start !== undefined) {
    const start = Date.parse(request.start);
    if (Number.isNaN(start)) throw badRequest("invalid_start", "start must be an ISO 8601 timestamp");
    offset = stepsBetween(first, bucketStart(start, freq), freq);
    if (offset < 0)
      throw badRequest("invalid_start", `start must not be before ${new Date(first).toISOString()}`);
    if (offset + request.horizon > MAX_HORIZON) throw badRequest("invalid_start", "start is too far ahead");
  }
  const periods = (artifact.params.seasonalPeriods as number[] | undefined) ?? [];
  const steps = offset + request.horizon;
  const model = modelFor(artifact.algorithm, periods);
  const future = futureDrivers(artifact, steps, first, request.related);
  let mean: Float64Array;
  let components: Record<string, Float64Array> | undefined;
  try {
    mean = model.predict(artifact.state, steps, future);
    if (request.explain)
      components = model.explain?.(artifact.state, steps, future) ?? { [artifact.algorithm]: mean };
  } catch (e) {
    const known = artifact.drivers ? Object.values(artifact.drivers.fields)[0]?.length : undefined;
    if (known !== undefined && steps > known)
      throw badRequest(
        "invalid_horizon",
        `the drivers' future values cover ${known} steps after the history`,
      );
    throw e;
  }
  const floor = artifact.params.nonNegative ? 0 : Number.NEGATIVE_INFINITY;
  const points: ForecastPoint[] = [];
  for (let i = offset; i < steps; i++) {
    const point: ForecastPoint = {
      timestamp: new Date(addSteps(first, i, freq)).toISOString(),
      mean: Math.max(floor, mean[i]),
    };
    for (const q of quantiles)
      point[quantileKey(q)] = Math.max(floor, mean[i] + errorAt(artifact.errors, i + 1, q));
    if (components) point.components = pointComponents(components, i, point.mean - mean[i]);
    points.push(point);
  }
  const drivers = driversUsed(artifact, components, offset, steps);
  return {
    model: { algorithm: artifact.algorithm, version: artifact.version, ...(drivers ? { drivers } : {}) },
    points,
  };
}

/**
 * The drivers' future values stored with the model, over `steps` steps, with a what-if's
 * changes applied. Undefined for a model trained without drivers.
 */
function futureDrivers(
  artifact: ModelArtifact,
  steps: number,
  first: number,
  changes: InvokeRequest["related"],
): Drivers | undefined {
  const stored = artifact.drivers;
  if (!stored) {
    if (changes && Object.keys(changes).length > 0)
      throw badRequest("invalid_related", "this customer's model was trained without related fields");
    return undefined;
  }
  const fields: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(stored.fields)) {
    const out = new Float64Array(Math.max(steps, values.length)).fill(Number.NaN);
    out.set(values.map((v) => v ?? Number.NaN));
    fields[name] = out;
  }
  for (const [name, change] of Object.entries(changes ?? {})) {
    const values = fields[name];
    if (!values) {
      throw badRequest(
        "invalid_related",
        `unknown related field ${JSON.stringify(name)} (this model has: ${Object.keys(fields).join(", ") || "none"})`,
      );
    }
    const [from, to] = changeRange(change, first, artifact.frequency, values.length);
    for (let i = from; i <= to; i++) {
      let v = change.set ?? values[i];
      if (change.multiply !== undefined) v *= change.multiply;
      if (change.add !== undefined) v += change.add;
      values[i] = v;
    }
  }
  const holiday = stored.holiday ? new Uint8Array(Math.max(steps, stored.holiday.length)) : undefined;
  holiday?.set(stored.holiday!);
  return holiday ? { fields, holiday } : { fields };
}

/** Steps [from, to] (inclusive) of a change; a bound outside the horizon is clipped to it. */
function changeRange(change: WhatIfChange, first: number, freq: ModelArtifact["frequency"], length: number) {
  const step = (iso: string | undefined, fallback: number, name: string) => {
    if (iso === undefined) return fallback;
    const t = Date.parse(iso);
    if (Number.isNaN(t)) throw badRequest("invalid_related", `${name} must be an ISO 8601 timestamp`);
    return stepsBetween(first, bucketStart(t, freq), freq);
  };
  const from = Math.max(0, step(change.from, 0, "from"));
  const to = Math.min(length - 1, step(change.to, length - 1, "to"));
  return [from, to];
}

/**
 * One point's contributions. Where the forecast was floored at zero the floor's lift is its own
 * component, so the contributions still sum to the published mean.
 */
function pointComponents(components: Record<string, Float64Array>, i: number, floorLift: number) {
  const out: Record<string, number> = {};
  for (const [name, values] of Object.entries(components)) out[name] = values[i];
  if (floorLift > 0) out.floor = floorLift;
  return out;
}

/**
 * The drivers a forecast used: the related fields and holidays stored with the model, each
 * with its importance (mean absolute contribution over the points) when explained.
 */
function driversUsed(
  artifact: ModelArtifact,
  components: Record<string, Float64Array> | undefined,
  from: number,
  to: number,
): { name: string; importance?: number }[] | undefined {
  if (!artifact.drivers) return undefined;
  const names = Object.keys(artifact.drivers.fields);
  if (artifact.drivers.holiday) names.push("holiday");
  return names.map((name) => {
    const values = components?.[name];
    if (!values) return { name };
    let sum = 0;
    for (let i = from; i < to; i++) sum += Math.abs(values[i]);
    return { name, importance: sum / Math.max(1, to - from) };
  });
}
