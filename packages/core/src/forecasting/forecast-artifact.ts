import type { ModelArtifact } from "../artifact/model-artifact.ts";
import { badRequest } from "../errors/myriad-error.ts";
import { modelFor } from "../models/catalog.ts";
import { quantileKey } from "../models/model.ts";
import type { ForecastPoint, InvokeRequest, InvokeResponse } from "../ports/inference-endpoint.ts";
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
  const mean = modelFor(artifact.algorithm, periods).predict(artifact.state, offset + request.horizon);
  const floor = artifact.params.nonNegative ? 0 : Number.NEGATIVE_INFINITY;
  const points: ForecastPoint[] = [];
  for (let i = offset; i < offset + request.horizon; i++) {
    const point: ForecastPoint = {
      timestamp: new Date(addSteps(first, i, freq)).toISOString(),
      mean: Math.max(floor, mean[i]),
    };
    for (const q of quantiles)
      point[quantileKey(q)] = Math.max(floor, mean[i] + errorAt(artifact.errors, i + 1, q));
    points.push(point);
  }
  return { model: { algorithm: artifact.algorithm, version: artifact.version }, points };
}
