import { ApiError, seg } from "../api/client.ts";
import type {
  CustomerAccuracy,
  ExplainedForecast,
  Forecast,
  ForecastPoint,
  History,
  HistoryPoint,
  ModelInfo,
} from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { anomalyNote, anomalySpans, countAnomalies, describeAnomalies } from "../charts/anomaly-series.ts";
import { type ForecastChart, mountForecastChart } from "../charts/forecast-chart.ts";
import { relatedFields } from "../charts/components-series.ts";
import { bandKeys, keyLabel } from "../charts/forecast-series.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount } from "../lib/format.ts";
import { accuracyPanel, driftVerdict } from "./accuracy-panel.ts";
import { type ComponentsPanel, componentsPanel } from "./components-panel.ts";
import { modelPanel } from "./model-panel.ts";
import { type PastForecastPanel, pastForecastPanel } from "./past-forecast-panel.ts";
import { predictForm } from "./predict-form.ts";
import { driftBadge, errorNotice, pageHeading } from "./ui.ts";
import { type WhatIfPanel, whatIfPanel } from "./what-if-panel.ts";

/** Readings of history drawn before the forecast. */
const HISTORY_POINTS = 336;

/**
 * One customer: recent history and the published forecast with its band on one chart, a form
 * for a live prediction drawn over it, the forecast's components and drivers, a what-if on its
 * related fields, the drift verdict and realised accuracy of its past forecasts, and the model's
 * backtest accuracy and version history.
 */
export function customerView(ctx: ViewContext, dataset: string, customerId: string): View {
  const base = `/v1/datasets/${seg(dataset)}/customers/${seg(customerId)}`;
  const message = h("div");
  const subtitle = h("span", { class: "muted" });
  const chartBox = h("div", { class: "chart", id: "forecast-chart" });
  const caption = h("figcaption", { class: "muted small" }, "Loading…");
  /** The note on the history's flagged readings, under the chart; empty when none are. */
  const anomalyBox = h("div");
  const predictBox = h("div");
  const modelBox = h("div");
  const componentsBox = h("div");
  const whatIfBox = h("div");
  const driftBox = h("span", { class: "drift-head" });
  const verdictBox = h("div");
  const accuracyBox = h("div");
  let chart: ForecastChart | undefined;
  let components: ComponentsPanel | undefined;
  let whatIf: WhatIfPanel | undefined;
  let past: PastForecastPanel | undefined;
  let disposed = false;

  const crumbs =
    ctx.access.kind === "admin"
      ? h(
          "p",
          { class: "crumbs" },
          h("a", { href: href({ name: "datasets" }) }, "Datasets"),
          " / ",
          h("a", { href: href({ name: "fleet", dataset }) }, dataset),
          " / ",
          h("a", { href: href({ name: "customers", dataset }) }, "customers"),
          " / ",
          customerId,
        )
      : h("p", { class: "crumbs" }, dataset, " / ", customerId);

  const el = h(
    "section",
    { class: "page customer-page" },
    crumbs,
    pageHeading(`Customer ${customerId}`, subtitle, driftBox),
    message,
    verdictBox,
    h(
      "div",
      { class: "card" },
      h("h2", null, "History and forecast"),
      h("figure", { class: "chart-figure" }, chartBox, caption),
      anomalyBox,
      predictBox,
    ),
    componentsBox,
    whatIfBox,
    accuracyBox,
    modelBox,
  );

  async function load(): Promise<void> {
    const [history, forecast, model] = await Promise.allSettled([
      ctx.api.get<History>(`${base}/history`, { limit: HISTORY_POINTS }),
      ctx.api.get<Forecast>(`${base}/forecast`),
      ctx.api.get<ModelInfo>(`${base}/model`),
    ]);
    if (disposed) return;
    const failures = [history, forecast, model].filter(
      (r): r is PromiseRejectedResult => r.status === "rejected",
    );
    // A customer with data but no model yet answers 404 for its forecast and model: not an error.
    const serious = failures.find((f) => !(f.reason instanceof ApiError && f.reason.status === 404));
    if (serious) replace(message, errorNotice(serious.reason, ctx.access));
    if (history.status === "rejected" && !serious) {
      replace(
        message,
        h(
          "div",
          { class: "notice notice-info", role: "status" },
          `No data for customer ${customerId} in ${dataset}.`,
        ),
      );
    }

    const historyPoints = history.status === "fulfilled" ? history.value.points : [];
    const forecastPoints = forecast.status === "fulfilled" ? forecast.value.points : [];
    let prediction: ForecastPoint[] | null = null;
    const data = () => ({
      history: historyPoints,
      forecast: forecastPoints.length ? forecastPoints : null,
      prediction,
    });
    if (historyPoints.length > 0 || forecastPoints.length > 0) {
      chart = mountForecastChart(chartBox, data(), { anomalies: true });
      replace(caption, describe(historyPoints, forecastPoints, null));
      const note = anomalyNote(countAnomalies(historyPoints));
      if (note) replace(anomalyBox, h("p", { class: "anomaly-note small", id: "anomaly-note" }, note));
    } else {
      replace(caption, "Nothing to draw yet.");
    }

    if (model.status === "fulfilled") {
      const m = model.value.model;
      subtitle.textContent = `${m.algorithm} · version ${m.version}`;
      replace(modelBox, modelPanel(model.value));
      replace(
        predictBox,
        h("h3", null, "Live prediction"),
        predictForm(
          ctx.api,
          ctx.access,
          { dataset, customerId, defaultHorizon: forecastPoints.length || 24 },
          (result) => {
            prediction = result.points;
            if (chart) chart.update(data());
            else chart = mountForecastChart(chartBox, data(), { anomalies: true });
            replace(caption, describe(historyPoints, forecastPoints, result.points));
          },
        ),
      );
    } else {
      subtitle.textContent = "no model yet";
      replace(modelBox, h("p", { class: "muted" }, "No model has been trained for this customer yet."));
    }
  }

  /**
   * The explained forecast: its components chart and drivers, and the what-if form when the
   * model has related fields. Drawn only when the call succeeds; a customer without a model, a
   * cold start or a model without components shows nothing here.
   */
  async function loadExplained(): Promise<void> {
    let explained: ExplainedForecast;
    try {
      explained = await ctx.api.get<ExplainedForecast>(`${base}/forecast`, { explain: "true" });
    } catch (e) {
      if (disposed || (e instanceof ApiError && e.status === 404)) return;
      replace(
        componentsBox,
        h(
          "p",
          { class: "muted small explain-note" },
          `Components are not available: ${(e as Error).message}`,
        ),
      );
      return;
    }
    if (disposed) return;
    const panel = componentsPanel(explained);
    if (panel) {
      components = panel;
      replace(componentsBox, panel.el);
    }
    const fields = relatedFields(explained.model.drivers);
    if (fields.length > 0) {
      whatIf = whatIfPanel(ctx.api, ctx.access, { dataset, customerId, fields, horizon: explained.points });
      replace(whatIfBox, whatIf.el);
    }
  }

  /**
   * The drift verdict and each past version's realised accuracy, with the newest scored
   * version's forecast drawn against its actuals (a row of the table draws another); absent
   * when the call fails.
   */
  async function loadAccuracy(): Promise<void> {
    let accuracy: CustomerAccuracy;
    try {
      accuracy = await ctx.api.get<CustomerAccuracy>(`${base}/accuracy`);
    } catch {
      // The history call reports a missing customer or a key that may not read it.
      return;
    }
    if (disposed) return;
    replace(driftBox, driftBadge(accuracy.drift));
    replace(verdictBox, driftVerdict(accuracy.drift));
    const newest = accuracy.versions[0]?.version;
    if (newest === undefined) {
      replace(accuracyBox, accuracyPanel(accuracy));
      return;
    }
    const panel = pastForecastPanel(ctx.api, base, accuracy.versions);
    past = panel;
    replace(
      accuracyBox,
      accuracyPanel(accuracy, { selected: newest, onSelect: (v) => panel.select(v), detail: panel.el }),
    );
    panel.select(newest);
  }

  void load();
  void loadExplained();
  void loadAccuracy();
  return {
    title: `Customer ${customerId}`,
    el,
    dispose() {
      disposed = true;
      chart?.destroy();
      components?.destroy();
      whatIf?.destroy();
      past?.destroy();
    },
  };
}

/** The chart's caption in words, naming the band the chart shades and counting the anomalies it marks. */
function describe(
  history: HistoryPoint[],
  forecast: ForecastPoint[],
  prediction: ForecastPoint[] | null,
): string {
  const parts = [`History: the last ${formatCount(history.length)} readings.`];
  const flagged = countAnomalies(history);
  if (flagged > 0) parts.push(describeAnomalies(flagged, anomalySpans(history).length));
  if (forecast.length > 0) {
    const keys = bandKeys(forecast);
    const band =
      keys.lower && keys.upper ? ` with its ${keyLabel(keys.lower)}–${keyLabel(keys.upper)} band shaded` : "";
    parts.push(`Forecast: ${forecast.length} steps, ${keyLabel(keys.center)}${band}.`);
  } else {
    parts.push("No forecast published yet.");
  }
  if (prediction) parts.push(`Prediction: ${prediction.length} steps from the live endpoint.`);
  return parts.join(" ");
}
