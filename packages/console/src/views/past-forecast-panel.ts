import { type ApiClient, seg } from "../api/client.ts";
import type { ForecastPoint, History, VersionAccuracy, VersionForecast } from "../api/types.ts";
import { type ForecastChart, mountForecastChart } from "../charts/forecast-chart.ts";
import { bandKeys, keyLabel } from "../charts/forecast-series.ts";
import {
  actualsQuery,
  contextSteps,
  joinedContext,
  type PastForecastReadings,
  splitActuals,
} from "../charts/past-forecast-series.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatMetric, formatPercent, formatTime } from "../lib/format.ts";

export interface PastForecastPanel {
  el: HTMLElement;
  /** Draws another scored version (fetching its forecast and actuals); the last call wins. */
  select(version: string): void;
  destroy(): void;
}

const HEIGHT = 280;

/**
 * A scored version's forecast, with its P10–P90 band, against the actuals that came later and a
 * little history before it: what the realised-accuracy table measures, drawn. The forecast is
 * the one the version published (the API reproduces a past version's from its artifact); the
 * caption says what is drawn, with the version's realised wQL beside its backtest's.
 */
export function pastForecastPanel(
  api: ApiClient,
  base: string,
  versions: readonly VersionAccuracy[],
): PastForecastPanel {
  const heading = h("h3", { id: "past-forecast-heading" }, "Forecast against actuals");
  const chartBox = h("div", { class: "chart", id: "past-forecast-chart" });
  const caption = h(
    "figcaption",
    { id: "past-forecast-caption", class: "muted small", "aria-live": "polite" },
    "Loading…",
  );
  const figure = h(
    "figure",
    {
      class: "chart-figure past-forecast",
      id: "past-forecast",
      "aria-labelledby": "past-forecast-heading",
      "aria-describedby": "past-forecast-caption",
      "data-state": "loading",
    },
    chartBox,
    caption,
  );
  const el = h("div", { class: "past-forecast-panel" }, heading, figure);
  let chart: ForecastChart | undefined;
  let current = 0;
  let destroyed = false;

  async function load(accuracy: VersionAccuracy, token: number): Promise<void> {
    const { version } = accuracy;
    figure.setAttribute("data-state", "loading");
    figure.setAttribute("data-version", version);
    heading.textContent = `Version ${version}: forecast against actuals`;
    replace(caption, `Loading the forecast of version ${version}…`);
    const stale = () => destroyed || token !== current;
    try {
      const forecast = await api.get<VersionForecast>(`${base}/versions/${seg(version)}/forecast`);
      if (stale()) return;
      const context = contextSteps(forecast.points.length);
      const query = actualsQuery(forecast.points, context);
      const history = query ? await api.get<History>(`${base}/history`, query) : { points: [] };
      if (stale()) return;
      const readings = splitActuals(history.points, forecast.points, context);
      const data = {
        history: joinedContext(readings),
        forecast: forecast.points.length > 0 ? forecast.points : null,
        prediction: null,
        actuals: readings.actuals,
      };
      if (chart) chart.update(data);
      else chart = mountForecastChart(chartBox, data, { height: HEIGHT });
      figure.setAttribute("data-forecast-points", String(forecast.points.length));
      figure.setAttribute("data-actual-points", String(readings.actuals.length));
      figure.setAttribute("data-context-points", String(readings.before.length));
      figure.setAttribute("data-state", "ready");
      replace(caption, ...describePast(accuracy, forecast, readings));
    } catch (e) {
      if (stale()) return;
      chart?.destroy();
      chart = undefined;
      replace(chartBox);
      figure.setAttribute("data-state", "error");
      replace(caption, `The forecast of version ${version} cannot be drawn: ${(e as Error).message}`);
    }
  }

  function select(version: string): void {
    const accuracy = versions.find((v) => v.version === version);
    if (!accuracy || destroyed) return;
    current++;
    void load(accuracy, current);
  }

  return {
    el,
    select,
    destroy() {
      destroyed = true;
      chart?.destroy();
      chart = undefined;
    },
  };
}

/**
 * The chart in words: the version, the line and band drawn, the actuals against it and the
 * history before, then the realised wQL against the backtest's (the drift test's numbers) and
 * the share of actuals inside the band.
 */
export function describePast(
  accuracy: VersionAccuracy,
  forecast: { model: VersionForecast["model"]; points: readonly ForecastPoint[] },
  readings: PastForecastReadings,
): (string | HTMLElement)[] {
  const { model, points } = forecast;
  const keys = bandKeys(points);
  const band =
    keys.lower && keys.upper ? ` with its ${keyLabel(keys.lower)}–${keyLabel(keys.upper)} band shaded` : "";
  const active = model.active ? ", the active version" : "";
  const actuals =
    readings.actuals.length > 0
      ? `against the ${formatCount(readings.actuals.length)} actuals from ${formatTime(
          readings.actuals[0].timestamp,
        )} to ${formatTime(readings.actuals[readings.actuals.length - 1].timestamp)}`
      : "with no actuals stored for its period";
  const before =
    readings.before.length > 0 ? `, after ${formatCount(readings.before.length)} readings of history` : "";
  const ratio =
    accuracy.wql !== null && accuracy.backtestWql !== null && accuracy.backtestWql > 0
      ? ` (${(accuracy.wql / accuracy.backtestWql).toFixed(1)}×)`
      : "";
  return [
    `Version ${model.version} (${model.algorithm}${active}): its ${formatCount(points.length)}-step forecast, ${keyLabel(
      keys.center,
    )}${band}, ${actuals}${before}. `,
    h(
      "span",
      { class: "past-wql" },
      `Realised wQL ${formatMetric(accuracy.wql)} against the backtest's ${formatMetric(accuracy.backtestWql)}${ratio}`,
    ),
    accuracy.coverage === null ? "." : `; ${formatPercent(accuracy.coverage)} of actuals inside the band.`,
  ];
}
