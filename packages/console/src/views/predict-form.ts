import { type ApiClient, seg } from "../api/client.ts";
import type { Forecast } from "../api/types.ts";
import type { Access } from "../app/session.ts";
import { h, replace } from "../lib/dom.ts";
import { formatDuration } from "../lib/format.ts";
import { errorNotice } from "./ui.ts";

/** Parses `0.05, 0.5, 0.95`; an empty field means the dataset's own quantiles. */
export function parseQuantiles(text: string): number[] | undefined | Error {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  const qs = parts.map(Number);
  if (qs.some((q) => !(q > 0 && q < 1)))
    return new Error("quantiles are numbers between 0 and 1, e.g. 0.1, 0.5, 0.9");
  return [...new Set(qs)].sort((a, b) => a - b);
}

/**
 * The live prediction form: asks the model endpoint for `horizon` steps (and optionally other
 * quantiles) through POST .../predict and hands the points to the chart.
 */
export function predictForm(
  api: ApiClient,
  access: Access,
  target: { dataset: string; customerId: string; defaultHorizon: number },
  onResult: (forecast: Forecast) => void,
): HTMLElement {
  const horizon = h("input", {
    id: "predict-horizon",
    name: "horizon",
    type: "number",
    min: 1,
    max: 10000,
    step: 1,
    required: true,
    value: target.defaultHorizon,
    inputmode: "numeric",
  });
  const quantiles = h("input", {
    id: "predict-quantiles",
    name: "quantiles",
    type: "text",
    placeholder: "dataset default (0.1, 0.5, 0.9)",
    autocomplete: "off",
  });
  const submit = h("button", { type: "submit" }, "Predict");
  const status = h("div", { class: "form-status", role: "status", "aria-live": "polite" });

  async function onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    const steps = Number(horizon.value);
    const qs = parseQuantiles(quantiles.value);
    if (qs instanceof Error) return replace(status, h("span", { class: "error-text" }, qs.message));
    if (!Number.isInteger(steps) || steps < 1 || steps > 10000)
      return replace(
        status,
        h("span", { class: "error-text" }, "the horizon is a whole number of steps from 1 to 10,000"),
      );
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    replace(status, "Predicting…");
    const started = performance.now();
    try {
      const result = await api.post<Forecast>(
        `/v1/datasets/${seg(target.dataset)}/customers/${seg(target.customerId)}/predict`,
        {
          horizon: steps,
          ...(qs ? { quantiles: qs } : {}),
        },
      );
      onResult(result);
      replace(
        status,
        `Predicted ${result.points.length} steps with ${result.model.algorithm} (version ${result.model.version}) in ${formatDuration(performance.now() - started)}.`,
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
    { class: "predict-form", onsubmit: (e: Event) => void onSubmit(e) },
    h("div", { class: "field" }, h("label", { for: "predict-horizon" }, "Horizon (steps)"), horizon),
    h("div", { class: "field" }, h("label", { for: "predict-quantiles" }, "Quantiles (optional)"), quantiles),
    submit,
    status,
  );
  return form;
}
