import { type ApiClient, seg } from "../api/client.ts";
import type { ForecastPoint, WhatIfChange, WhatIfForecast } from "../api/types.ts";
import type { Access } from "../app/session.ts";
import { type ForecastChart, mountForecastChart } from "../charts/forecast-chart.ts";
import { bandKeys, keyLabel } from "../charts/forecast-series.ts";
import { h, replace } from "../lib/dom.ts";
import { formatMetric, formatTime } from "../lib/format.ts";
import { errorNotice } from "./ui.ts";

export type WhatIfOperation = "add" | "multiply" | "set";

export interface WhatIfPanel {
  el: HTMLElement;
  destroy(): void;
}

const OPERATIONS: { value: WhatIfOperation; label: string }[] = [
  { value: "add", label: "add" },
  { value: "multiply", label: "multiply by" },
  { value: "set", label: "set to" },
];

/** `2026-03-30T14:00` in local time, as a datetime-local input reads and writes it. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * A what-if: change one related field over the horizon (add, multiply by or set to a value,
 * optionally between two times) and draw the scenario's forecast with its band beside the
 * baseline's median, from POST …/what-if. The API's refusal (400) is shown as it words it.
 */
export function whatIfPanel(
  api: ApiClient,
  access: Access,
  target: {
    dataset: string;
    customerId: string;
    fields: string[];
    horizon: readonly { timestamp: string }[];
  },
): WhatIfPanel {
  const field = h(
    "select",
    { id: "what-if-field", name: "field", required: true },
    target.fields.map((f) => h("option", { value: f }, f)),
  );
  const operation = h(
    "select",
    { id: "what-if-operation", name: "operation" },
    OPERATIONS.map((o) => h("option", { value: o.value }, o.label)),
  );
  const value = h("input", {
    id: "what-if-value",
    name: "value",
    type: "number",
    step: "any",
    required: true,
    inputmode: "decimal",
  });
  const first = target.horizon[0]?.timestamp;
  const last = target.horizon[target.horizon.length - 1]?.timestamp;
  const bounds = first && last ? { min: toLocalInput(first), max: toLocalInput(last) } : {};
  const from = h("input", { id: "what-if-from", name: "from", type: "datetime-local", ...bounds });
  const to = h("input", { id: "what-if-to", name: "to", type: "datetime-local", ...bounds });
  const submit = h("button", { type: "submit" }, "Run scenario");
  const status = h("div", { class: "form-status", role: "status", "aria-live": "polite" });
  const chartBox = h("div", { class: "chart", id: "what-if-chart" });
  const caption = h("figcaption", { class: "muted small" });
  const figure = h("figure", { class: "chart-figure", hidden: true }, chartBox, caption);
  let chart: ForecastChart | undefined;

  const fail = (text: string) => replace(status, h("span", { class: "error-text" }, text));

  async function onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    const amount = Number(value.value);
    if (value.value.trim() === "" || !Number.isFinite(amount)) return fail("the value is a number, e.g. -5");
    const change: WhatIfChange = { [operation.value as WhatIfOperation]: amount };
    const fromIso = from.value ? new Date(from.value).toISOString() : undefined;
    const toIso = to.value ? new Date(to.value).toISOString() : undefined;
    if (fromIso && toIso && fromIso > toIso) return fail("“from” is after “to”");
    if (fromIso) change.from = fromIso;
    if (toIso) change.to = toIso;

    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    replace(status, "Forecasting the scenario…");
    try {
      const result = await api.post<WhatIfForecast>(
        `/v1/datasets/${seg(target.dataset)}/customers/${seg(target.customerId)}/what-if`,
        { related: { [field.value]: change } },
      );
      const data = {
        history: [],
        forecast: centerOnly(result.baseline.points),
        prediction: result.points,
      };
      figure.hidden = false;
      if (chart) chart.update(data);
      else
        chart = mountForecastChart(chartBox, data, {
          names: { forecast: "Baseline", prediction: "Scenario" },
          history: false,
          height: 280,
        });
      replace(caption, describe(field.value, change, result));
      replace(
        status,
        `Scenario forecast with ${result.model.algorithm} (version ${result.model.version}): ${result.points.length} steps.`,
      );
    } catch (e) {
      replace(status, errorNotice(e, access));
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  const form = h(
    "form",
    { class: "predict-form what-if-form", onsubmit: (e: Event) => void onSubmit(e) },
    h("div", { class: "field" }, h("label", { for: "what-if-field" }, "Related field"), field),
    h("div", { class: "field" }, h("label", { for: "what-if-operation" }, "Change"), operation),
    h("div", { class: "field" }, h("label", { for: "what-if-value" }, "Value"), value),
    h("div", { class: "field" }, h("label", { for: "what-if-from" }, "From (optional)"), from),
    h("div", { class: "field" }, h("label", { for: "what-if-to" }, "To (optional)"), to),
    submit,
    status,
  );

  const el = h(
    "section",
    { class: "card what-if-card", "aria-labelledby": "what-if-title" },
    h("h2", { id: "what-if-title" }, "What if"),
    h(
      "p",
      { class: "muted small" },
      "Change a related field over the forecast horizon (the whole horizon unless you give times, in local time) and compare the model's forecast with the baseline.",
    ),
    form,
    figure,
  );
  return {
    el,
    destroy() {
      chart?.destroy();
    },
  };
}

/** The baseline as its centre line only: one band on the chart, the scenario's, stays readable. */
function centerOnly(points: readonly ForecastPoint[]): ForecastPoint[] {
  const key = bandKeys(points).center;
  return points.map((p) => ({ timestamp: p.timestamp, [key]: p[key] }));
}

/** The scenario in words, with how far its median moved from the baseline's on average. */
function describe(field: string, change: WhatIfChange, result: WhatIfForecast): string {
  const what =
    change.add !== undefined
      ? `${field} ${change.add < 0 ? "−" : "+"} ${Math.abs(change.add)}`
      : change.multiply !== undefined
        ? `${field} × ${change.multiply}`
        : `${field} = ${change.set}`;
  const when =
    change.from || change.to
      ? ` from ${change.from ? formatTime(change.from) : "the start"} to ${change.to ? formatTime(change.to) : "the end"}`
      : " over the whole horizon";
  const key = bandKeys(result.points).center;
  const mean = (points: readonly ForecastPoint[]) => {
    const values = points.map((p) => Number(p[key])).filter(Number.isFinite);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  };
  const scenario = mean(result.points);
  const baseline = mean(result.baseline.points);
  const diff = scenario - baseline;
  const pct =
    baseline !== 0
      ? ` (${diff >= 0 ? "+" : "−"}${formatMetric(Math.abs((100 * diff) / baseline), 1)} %)`
      : "";
  const band = bandKeys(result.points);
  const shaded =
    band.lower && band.upper
      ? ` The scenario's ${keyLabel(band.lower)}–${keyLabel(band.upper)} band is shaded.`
      : "";
  return (
    `Scenario: ${what}${when}. Average ${keyLabel(key)}: ${formatMetric(scenario, 2)} against ` +
    `${formatMetric(baseline, 2)} for the baseline, ${diff >= 0 ? "+" : "−"}${formatMetric(Math.abs(diff), 2)}${pct}.${shaded}`
  );
}
