import type { EndpointMetrics } from "../api/types.ts";
import type { View, ViewContext } from "../app/view.ts";
import { cssVar } from "../charts/chart-theme.ts";
import { mountTimeChart, type TimeChart } from "../charts/time-chart.ts";
import { endpointSeries, type MetricSample, metricNumber, timingMs } from "../endpoint/metric-samples.ts";
import { h, replace } from "../lib/dom.ts";
import { formatBytes, formatCount, formatPercent, formatTime } from "../lib/format.ts";
import { poll } from "../lib/poller.ts";
import { errorNotice, isFinal, pageHeading } from "./ui.ts";

const POLL_MS = 2000;
/** Half an hour of samples at one every two seconds. */
const MAX_SAMPLES = 900;
/** Samples survive leaving the page, so coming back shows the recent past rather than nothing. */
const samples: MetricSample[] = [];

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);

/**
 * The model endpoint's cache as SageMaker reports a multi-model endpoint's: hit ratio, models
 * loaded, and how long loads take, polled every two seconds and charted over time.
 */
export function endpointView(ctx: ViewContext): View {
  const message = h("div");
  const tiles = h("div", { class: "tiles" });
  const updated = h("span", { class: "muted live-dot" }, "Loading…");
  const hitBox = h("div", { class: "chart" });
  const loadedBox = h("div", { class: "chart" });
  const timeBox = h("div", { class: "chart" });
  const el = h(
    "section",
    { class: "page" },
    pageHeading("Endpoint", updated),
    h(
      "p",
      { class: "muted" },
      "The multi-model endpoint's cache. Metric names are SageMaker's (ModelCacheHit, LoadedModelCount, ModelLoadingTime…); times in milliseconds.",
    ),
    message,
    tiles,
    h(
      "div",
      { class: "chart-grid" },
      h("figure", { class: "card" }, h("figcaption", null, h("h2", null, "Cache hit ratio")), hitBox),
      h("figure", { class: "card" }, h("figcaption", null, h("h2", null, "Loaded models")), loadedBox),
      h(
        "figure",
        { class: "card wide" },
        h("figcaption", null, h("h2", null, "Model load and wait times")),
        timeBox,
      ),
    ),
  );

  let charts: TimeChart[] = [];
  function ensureCharts(): void {
    if (charts.length > 0) return;
    const blue = cssVar("--chart-forecast", "#0b5cad");
    const orange = cssVar("--chart-predict", "#c2410c");
    const grey = cssVar("--chart-history", "#4a5560");
    charts = [
      mountTimeChart(
        hitBox,
        [
          { label: "Last interval", color: blue, format: (v) => formatPercent(v, 0) },
          { label: "Since start", color: grey, format: (v) => formatPercent(v, 0) },
        ],
        { yMin: 0, yMax: 1 },
      ),
      mountTimeChart(
        loadedBox,
        [{ label: "LoadedModelCount", color: blue, format: (v) => formatCount(Math.round(v)) }],
        { yMin: 0 },
      ),
      mountTimeChart(
        timeBox,
        [
          { label: "ModelLoadingTime p50", color: blue, format: ms },
          { label: "ModelLoadingTime p99", color: orange, format: ms },
          { label: "ModelLoadingWaitTime p99", color: grey, format: ms },
        ],
        { yMin: 0 },
      ),
    ];
  }

  function render(metrics: EndpointMetrics): void {
    if (Object.keys(metrics).length === 0) {
      replace(
        tiles,
        h(
          "p",
          { class: "notice notice-info" },
          "This endpoint reports no metrics here; in AWS they are in CloudWatch (namespace AWS/SageMaker).",
        ),
      );
      return;
    }
    const disk = metrics.diskCache as { files?: number; bytes?: number } | undefined;
    replace(
      tiles,
      tile("Invocations", formatCount(metricNumber(metrics, "Invocations"))),
      tile(
        "Cache hit ratio",
        formatPercent(metricNumber(metrics, "ModelCacheHit", "average")),
        "since start",
      ),
      tile("Loaded models", formatCount(metricNumber(metrics, "LoadedModelCount"))),
      tile("Evictions", formatCount(metricNumber(metrics, "Evictions"))),
      tile(
        "Load time",
        fmtMs(timingMs(metrics, "ModelLoadingTime", "p50")),
        `p99 ${fmtMs(timingMs(metrics, "ModelLoadingTime", "p99"))}`,
      ),
      tile(
        "Download time",
        fmtMs(timingMs(metrics, "ModelDownloadingTime", "p50")),
        `p99 ${fmtMs(timingMs(metrics, "ModelDownloadingTime", "p99"))}`,
      ),
      tile(
        "Invoke latency",
        fmtMs(timingMs(metrics, "ModelLatency", "p50")),
        `p99 ${fmtMs(timingMs(metrics, "ModelLatency", "p99"))}`,
      ),
      tile(
        "Errors",
        `${formatCount(metricNumber(metrics, "Invocation4XXErrors"))} / ${formatCount(metricNumber(metrics, "Invocation5XXErrors"))}`,
        "4XX / 5XX",
      ),
      disk ? tile("Disk cache", formatBytes(disk.bytes), `${formatCount(disk.files)} artifacts`) : null,
    );
    ensureCharts();
    const series = endpointSeries(samples);
    charts[0].setData(series.xs, [series.hitRatio, series.hitRatioSinceStart]);
    charts[1].setData(series.xs, [series.loadedModels]);
    charts[2].setData(series.xs, [series.loadP50Ms, series.loadP99Ms, series.waitP99Ms]);
  }

  const poller = poll(
    async () => {
      const { metrics } = await ctx.api.get<{ metrics: EndpointMetrics }>("/v1/endpoint/metrics");
      samples.push({ t: Date.now(), metrics });
      if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
      replace(message);
      render(metrics);
      updated.textContent = `Live · updated ${formatTime(new Date().toISOString()).slice(11)}`;
    },
    POLL_MS,
    (e) => {
      replace(message, errorNotice(e, ctx.access));
      if (isFinal(e)) poller.stop();
    },
  );
  return {
    title: "Endpoint",
    el,
    dispose() {
      poller.stop();
      for (const c of charts) c.destroy();
    },
  };
}

function tile(label: string, value: string, note?: string): HTMLElement {
  return h(
    "div",
    { class: "tile" },
    h("div", { class: "tile-label" }, label),
    h("div", { class: "tile-value" }, value),
    note ? h("div", { class: "tile-note" }, note) : null,
  );
}

const fmtMs = (v: number | null) => (v === null ? "—" : ms(v));
