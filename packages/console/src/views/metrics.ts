import type { ModelMetrics } from "../api/types.ts";

/** Metrics arrive parsed from jsonb, or as a JSON string from drivers that do not parse it. */
export function parseMetrics(metrics: ModelMetrics | string | null | undefined): ModelMetrics {
  if (!metrics) return {};
  if (typeof metrics === "string") {
    try {
      return JSON.parse(metrics) as ModelMetrics;
    } catch {
      return {};
    }
  }
  return metrics;
}

/** What each accuracy metric means, for the column headers' tooltips. */
export const METRIC_HELP = {
  mase: "Mean absolute scaled error: below 1 beats the seasonal naive forecast",
  wql: "Average weighted quantile loss over the published quantiles: lower is better",
} as const;
