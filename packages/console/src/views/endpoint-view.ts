import type { EndpointMetrics, EndpointMetricsHistory } from "../api/types.ts";
import type { View, ViewContext } from "../app/view.ts";
import { cssVar } from "../charts/chart-theme.ts";
import { mountTimeChart, type TimeChart } from "../charts/time-chart.ts";
import {
  endpointSeries,
  type MetricSample,
  metricNumber,
  requestsIn,
  timingMs,
  trimToWindow,
} from "../endpoint/metric-samples.ts";
import { h, replace } from "../lib/dom.ts";
import { formatBytes, formatCount, formatPercent, formatTime } from "../lib/format.ts";
import { poll } from "../lib/poller.ts";
import { errorNotice, isFinal, pageHeading } from "./ui.ts";

const POLL_MS = 2000;
/** Until the server says how far back it keeps readings. */
const DEFAULT_WINDOW_MS = 30 * 60_000;

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);

/**
 * The model endpoint's cache as SageMaker reports a multi-model endpoint's: hit ratio, models
 * loaded, and how long loads take, charted over the server's recent window of readings at once,
 * then polled every two seconds. With no request in the window, it says so instead of charting.
 */
export function endpointView(ctx: ViewContext): View {
  const message = h("div");
  const tiles = h("div", { class: "tiles" });
  const updated = h("span", { class: "muted live-dot" }, "Loading…");
  const hitBox = h("div", { class: "chart" });
  const loadedBox = h("div", { class: "chart" });
  const timeBox = h("div", { class: "chart" });
  const idle = h("div");
  const grid = h(
    "div",
    { class: "chart-grid", hidden: true },
    h("figure", { class: "card" }, h("figcaption", null, h("h2", null, "Cache hit ratio")), hitBox),
    h("figure", { class: "card" }, h("figcaption", null, h("h2", null, "Loaded models")), loadedBox),
    h(
      "figure",
      { class: "card wide" },
      h("figcaption", null, h("h2", null, "Model load and wait times")),
      timeBox,
    ),
  );
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
    idle,
    grid,
  );
  /** Readings of the last `windowMs`, oldest first: the server's history, then this page's polls. */
  const samples: MetricSample[] = [];
  let windowMs = DEFAULT_WINDOW_MS;
  /** This browser's clock minus the server's, so polled readings line up with the history's. */
  let skewMs: number | undefined;

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
      grid.hidden = true;
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
    const minutes = Math.round(windowMs / 60_000);
    if (requestsIn(samples) === 0) {
      grid.hidden = true;
      replace(
        idle,
        h(
          "div",
          { class: "notice notice-info endpoint-idle", role: "status" },
          h("strong", null, `No requests in the last ${minutes} minutes.`),
          " The charts show the endpoint's traffic as it comes: open a customer and press Predict, or POST …/customers/{id}/predict.",
        ),
      );
      return;
    }
    replace(idle);
    grid.hidden = false;
    ensureCharts();
    const series = endpointSeries(samples);
    charts[0].setData(series.xs, [series.hitRatio, series.hitRatioSinceStart]);
    charts[1].setData(series.xs, [series.loadedModels]);
    charts[2].setData(series.xs, [series.loadP50Ms, series.loadP99Ms, series.waitP99Ms]);
  }

  const poller = poll(
    async () => {
      replace(message);
      render(skewMs === undefined ? await loadHistory() : await readNow(skewMs));
      updated.textContent = `Live · updated ${formatTime(new Date().toISOString()).slice(11)}`;
    },
    POLL_MS,
    (e) => {
      replace(message, errorNotice(e, ctx.access));
      if (isFinal(e)) poller.stop();
    },
  );
  /** The server's recent readings, so the page opens on the last minutes rather than on nothing. */
  async function loadHistory(): Promise<EndpointMetrics> {
    const history = await ctx.api.get<EndpointMetricsHistory>("/v1/endpoint/metrics/history");
    if (history.windowSeconds > 0) windowMs = history.windowSeconds * 1000;
    for (const s of history.samples) samples.push({ t: Date.parse(s.timestamp), metrics: s.metrics });
    const last = samples.at(-1);
    skewMs = last ? Date.now() - last.t : 0;
    return last?.metrics ?? {};
  }

  async function readNow(skew: number): Promise<EndpointMetrics> {
    const { metrics } = await ctx.api.get<{ metrics: EndpointMetrics }>("/v1/endpoint/metrics");
    samples.push({ t: Date.now() - skew, metrics });
    trimToWindow(samples, windowMs);
    return metrics;
  }

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
