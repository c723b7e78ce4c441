import type { ModelArtifact } from "../artifact/model-artifact.ts";
import { detectAnomalies, replaceAnomalies } from "../series/anomalies.ts";
import { seasonalPeriods } from "../series/frequency.ts";
import type { RegularSeries } from "../series/series.ts";
import type { TrainJob } from "./train-job.ts";

/**
 * The history a customer's model is fitted and backtested on. With `_dataset.json`
 * `anomalies: "exclude"`, every point series/anomalies.ts flags (an outage's zeros, a spike, a
 * meter reset) is replaced by its expected value, level plus seasonal profile, as robust
 * forecasters clean a series before fitting (R's `tsclean`): an outage then neither drags the
 * level down nor reads as a season, and backtests do not score a model against it. The counts
 * go into the artifact. With `flag` (the default) the series is trained on as it is and not
 * scanned here: the history API flags points when it serves them.
 */
export function trainingHistory(
  series: RegularSeries,
  job: Pick<TrainJob, "anomalies">,
): { series: RegularSeries; anomalies?: NonNullable<ModelArtifact["anomalies"]> } {
  if (job.anomalies !== "exclude") return { series };
  const scan = detectAnomalies(series, seasonalPeriods(series.frequency, series.values.length));
  const flagged = scan.anomalies.length;
  return {
    series: flagged > 0 ? replaceAnomalies(series, scan) : series,
    anomalies: { flagged, excluded: flagged },
  };
}
