import { describe, expect, it } from "vitest";
import { type ForecastBody, forecastReport, renderForecastChart } from "./forecast-view.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");
const at = (i: number) => new Date(T0 + i * HOUR).toISOString();
const daily = (i: number) => 100 + 50 * Math.sin((2 * Math.PI * i) / 24);

const history = Array.from({ length: 72 }, (_, i) => ({ timestamp: at(i), value: daily(i) }));
const points = Array.from({ length: 48 }, (_, j) => {
  const i = 72 + j;
  return { timestamp: at(i), mean: daily(i), p10: daily(i) - 20, p50: daily(i), p90: daily(i) + 20 };
});
const forecast: ForecastBody = {
  dataset: "default",
  customerId: "7",
  model: { algorithm: "FourierRegression", version: "v1" },
  points,
};

describe("the forecast chart", () => {
  it("draws history, a divider, the median line and its P10–P90 band, with axes and a legend", () => {
    const lines = renderForecastChart(history, points, { width: 140, height: 10 });
    expect(lines).toHaveLength(10 + 3);
    const plot = lines.slice(0, 10);
    // One column a step (it fits): 72 history, the divider, 48 forecast.
    const divider = plot[0].indexOf("┊");
    expect(divider).toBeGreaterThan(0);
    for (const row of plot) expect(row.indexOf("┊")).toBe(divider);
    expect(lines[10].indexOf("┴")).toBe(divider);
    expect(plot.every((row) => row.length === plot[0].length)).toBe(true);
    expect(plot[0].length - divider - 1).toBe(48);
    // Labels: the top is the highest P90, the bottom the lowest P10.
    expect(plot[0].trimStart()).toMatch(/^170 ┤/);
    expect(plot[9].trimStart()).toMatch(/^30 ┤/);
    const start = plot[0].indexOf("┤") + 1;
    const history_ = plot.map((r) => r.slice(start, divider)).join("");
    const ahead = plot.map((r) => r.slice(divider + 1)).join("");
    expect(history_).toMatch(/[─╭╮╰╯│]/);
    expect(history_).not.toContain("░");
    expect(ahead).toContain("░");
    expect(ahead).toMatch(/[─╭╮╰╯]/);
    expect(lines[11]).toContain("03-01 00:00");
    expect(lines[11]).toContain("03-04 00:00");
    expect(lines[11]).toContain("03-05 23:00");
    expect(lines[12]).toContain("─ history   ─ forecast P50 in ░ P10–P90");
  });

  it("averages long series into whole parts of a day a column, and keeps the whole forecast", () => {
    const long = Array.from({ length: 168 }, (_, j) => ({ ...points[0], timestamp: at(72 + j) }));
    const lines = renderForecastChart(history, long, { width: 80 });
    // 168 steps in at most two thirds of 66 columns: 4 steps (a sixth of a day) a column.
    expect(lines.at(-1)).toContain("(4 steps a column)");
    const row = lines[0];
    expect(row.length - row.indexOf("┊") - 1).toBe(42);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  });

  it("charts a forecast without history, with other quantiles", () => {
    const wide = points.map((p) => ({ timestamp: p.timestamp, p5: p.p10, p50: p.p50, p95: p.p90 }));
    const lines = renderForecastChart([], wide, { width: 100 });
    expect(lines.join("\n")).not.toContain("┊");
    expect(lines.at(-1)).toContain("─ forecast P50 in ░ P5–P95");
    expect(lines.at(-1)).not.toContain("history");
  });
});

describe("the forecast report", () => {
  it("names the model, its backtest and realised accuracy, why it was chosen and the customer page", () => {
    const lines = forecastReport({
      forecast,
      apiUrl: "http://127.0.0.1:3000",
      model: {
        model: {
          algorithm: "FourierRegression",
          version: "v1",
          metrics: { averageWql: 0.03381, wape: 0.054, mase: 0.509, coverage: 0.778, backtestWindows: 3 },
          selection: { reason: "lowest average wQL: FourierRegression 0.03381; next TOWT 0.03442" },
          activatedAt: "2026-03-04T00:01:00.000Z",
        },
      },
      accuracy: {
        versions: [
          {
            version: "v0",
            from: at(0),
            to: at(167),
            points: 168,
            wape: 0.061,
            mase: 0.6,
            wql: 0.041,
            coverage: 0.8,
            backtestWql: 0.035,
          },
        ],
        drift: {
          flagged: false,
          reason: "version v0: realised wQL 0.041 is 1.2× the backtest's (within 2×)",
        },
      },
    });
    expect(lines).toEqual([
      "customer  7 · dataset default · 48 steps from 2026-03-04T00:00:00Z",
      "model     FourierRegression · version v1 · active since 2026-03-04T00:01:00Z",
      "backtest  wQL 0.0338 · WAPE 5.4% · MASE 0.509 · coverage 77.8% (3 windows)",
      "realised  wQL 0.041 · WAPE 6.1% · MASE 0.6 · coverage 80.0% over 168 points (version v0)",
      "drift     version v0: realised wQL 0.041 is 1.2× the backtest's (within 2×)",
      "why       lowest average wQL: FourierRegression 0.03381; next TOWT 0.03442",
      "console   http://127.0.0.1:3000/#/datasets/default/customers/7",
    ]);
  });

  it("says when realised accuracy is not measured yet", () => {
    const lines = forecastReport({ forecast, apiUrl: "http://x", accuracy: { versions: [], drift: null } });
    expect(lines).toContain(
      "realised  not yet: measured when a later upload brings the actuals of this forecast",
    );
  });
});
