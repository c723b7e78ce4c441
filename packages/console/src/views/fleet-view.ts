import { seg } from "../api/client.ts";
import type { CustomerPage, CustomerSummary, FleetSummary, RankedCustomer } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { histogramChart } from "../charts/histogram-chart.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatMetric, formatPercent, formatTime } from "../lib/format.ts";
import { METRIC_HELP } from "./metrics.ts";
import { emptyRow, errorNotice, pageHeading } from "./ui.ts";

/** Drifted customers listed per request. */
const DRIFT_PAGE = 50;

/**
 * One dataset's fleet at a glance (admin keys): how many customers and with which algorithms,
 * how accurate their models promised to be (backtest wQL) and turned out to be (realised wQL),
 * the worst customers by each, and the customers whose forecast drifted, with why.
 */
export function fleetView(ctx: ViewContext, dataset: string): View {
  const base = `/v1/datasets/${seg(dataset)}`;
  const message = h("div");
  const body = h("div", { class: "fleet" }, h("p", { class: "muted" }, "Loading…"));
  const driftBody = h("tbody", null, emptyRow(5, "Loading…"));
  const driftMore = h(
    "button",
    { type: "button", class: "secondary", hidden: true, onclick: () => void loadDrifted() },
    "Load more drifted customers",
  );
  let driftCursor: string | null = null;
  let disposed = false;

  const el = h(
    "section",
    { class: "page fleet-page" },
    h("p", { class: "crumbs" }, h("a", { href: href({ name: "datasets" }) }, "Datasets"), " / ", dataset),
    pageHeading(
      `Fleet of ${dataset}`,
      h("a", { href: href({ name: "customers", dataset }), class: "page-link" }, "All customers"),
    ),
    message,
    body,
    h(
      "section",
      { class: "card", "aria-labelledby": "drift-heading" },
      h("h2", { id: "drift-heading" }, "Drifted customers"),
      h(
        "p",
        { class: "muted small" },
        "Customers whose realised wQL came out far above what their backtest promised. ",
        h("a", { href: href({ name: "customers", dataset, drift: true }) }, "Open them in the customer list"),
        ".",
      ),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data compact drift-table" },
          h("caption", { class: "sr-only" }, `Drifted customers of ${dataset}`),
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, "Customer"),
              h("th", { scope: "col" }, "Version"),
              h("th", { scope: "col" }, "Flagged"),
              h(
                "th",
                { scope: "col", class: "num", title: "Realised wQL of its latest scored forecast" },
                "Realised wQL",
              ),
              h("th", { scope: "col" }, "Reason"),
            ),
          ),
          driftBody,
        ),
      ),
      driftMore,
    ),
  );

  const customerLink = (customerId: string) =>
    h("a", { href: href({ name: "customer", dataset, customerId }), class: "mono" }, customerId);

  function worstTable(kind: "backtest" | "realised", worst: RankedCustomer[]): HTMLElement {
    if (worst.length === 0)
      return h(
        "p",
        { class: `muted small worst-${kind}` },
        kind === "backtest"
          ? "No model has a backtest wQL yet."
          : "No forecast has been scored yet: the next upload with actuals for the published horizon scores them.",
      );
    return h(
      "table",
      { class: `data compact worst-table worst-${kind}` },
      h("caption", null, `Worst by ${kind} wQL`),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col", class: "num" }, "#"),
          h("th", { scope: "col" }, "Customer"),
          h("th", { scope: "col", class: "num", title: METRIC_HELP.wql }, "wQL"),
          h("th", { scope: "col" }, "Algorithm"),
        ),
      ),
      h(
        "tbody",
        null,
        worst.map((w, i) =>
          h(
            "tr",
            { "data-customer-id": w.customerId },
            h("td", { class: "num muted" }, String(i + 1)),
            h("th", { scope: "row" }, customerLink(w.customerId)),
            h("td", { class: "num" }, formatMetric(w.wql)),
            h("td", null, w.algorithm ?? h("span", { class: "muted" }, "—")),
          ),
        ),
      ),
    );
  }

  function render(s: FleetSummary): void {
    const tile = (id: string, label: string, value: string, note?: string) =>
      h(
        "div",
        { class: "tile", id },
        h("div", { class: "tile-label" }, label),
        h("div", { class: "tile-value" }, value),
        note ? h("div", { class: "tile-note" }, note) : null,
      );
    const withModel = s.algorithms.reduce((n, a) => n + a.customers, 0);
    replace(
      body,
      h(
        "div",
        { class: "tiles" },
        tile(
          "fleet-customers",
          "Customers",
          formatCount(s.customers),
          `${formatCount(withModel)} with a model`,
        ),
        tile(
          "fleet-drifted",
          "Drifted",
          formatCount(s.drift.flagged),
          s.realised.scored > 0 ? `of ${formatCount(s.realised.scored)} scored` : "nothing scored yet",
        ),
        tile("fleet-scored", "Forecasts scored", formatCount(s.realised.scored), "against later actuals"),
        tile("fleet-cold", "Cold starts", formatCount(s.coldStart), "forecast from a cohort"),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, "Algorithms"),
        s.algorithms.length === 0
          ? h("p", { class: "muted" }, "No model has been trained yet.")
          : h(
              "table",
              { class: "data compact algorithms-table" },
              h("caption", { class: "sr-only" }, "Customers per algorithm of their active model"),
              h(
                "thead",
                null,
                h(
                  "tr",
                  null,
                  h("th", { scope: "col" }, "Algorithm"),
                  h("th", { scope: "col", class: "num" }, "Customers"),
                  h("th", { scope: "col", class: "num" }, "Share"),
                  h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Share as a bar")),
                ),
              ),
              h(
                "tbody",
                null,
                s.algorithms.map((a) =>
                  h(
                    "tr",
                    { "data-algorithm": a.algorithm },
                    h("th", { scope: "row" }, a.algorithm),
                    h("td", { class: "num" }, formatCount(a.customers)),
                    h("td", { class: "num" }, formatPercent(withModel > 0 ? a.customers / withModel : null)),
                    h(
                      "td",
                      { class: "importance-cell", "aria-hidden": "true" },
                      h("span", {
                        class: "importance-bar",
                        style: `width: ${withModel > 0 ? Math.max(2, (100 * a.customers) / withModel).toFixed(1) : 0}%`,
                      }),
                    ),
                  ),
                ),
              ),
            ),
      ),
      h(
        "div",
        { class: "chart-grid fleet-accuracy" },
        h(
          "section",
          { class: "card" },
          h("h2", null, "Backtest wQL"),
          histogramChart(s.backtest.histogram, {
            id: "backtest-histogram",
            unit: "customers",
            caption: `Average wQL each active model's backtest promised (${formatCount(
              s.backtest.histogram.reduce((n, b) => n + b.customers, 0),
            )} models).`,
          }),
          worstTable("backtest", s.backtest.worst),
          h(
            "p",
            { class: "small" },
            h(
              "a",
              { href: href({ name: "customers", dataset, sort: "backtestWql" }) },
              "All customers, worst backtest first",
            ),
          ),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", null, "Realised wQL"),
          histogramChart(s.realised.histogram, {
            id: "realised-histogram",
            unit: "customers",
            caption: `wQL of each customer's latest scored forecast against the actuals that came later (${formatCount(
              s.realised.scored,
            )} scored).`,
          }),
          worstTable("realised", s.realised.worst),
          h(
            "p",
            { class: "small" },
            h(
              "a",
              { href: href({ name: "customers", dataset, sort: "realisedWql" }) },
              "All customers, worst realised first",
            ),
          ),
        ),
      ),
    );
  }

  function driftRow(c: CustomerSummary): HTMLTableRowElement {
    return h(
      "tr",
      { "data-customer-id": c.customerId },
      h("th", { scope: "row" }, customerLink(c.customerId)),
      h("td", { class: "mono small" }, c.drift?.version ?? "—"),
      h("td", { class: "nowrap" }, formatTime(c.drift?.at)),
      h("td", { class: "num" }, formatMetric(c.realisedWql)),
      h("td", { class: "drift-reason small" }, c.drift?.reason ?? ""),
    );
  }

  async function loadDrifted(): Promise<void> {
    const first = driftCursor === null;
    try {
      const page = await ctx.api.get<CustomerPage>(`${base}/customers`, {
        flag: "drift",
        limit: DRIFT_PAGE,
        cursor: driftCursor,
      });
      if (disposed) return;
      const rows = page.customers.map(driftRow);
      if (first)
        replace(driftBody, rows.length > 0 ? rows : emptyRow(5, "No customer's forecast has drifted."));
      else driftBody.append(...rows);
      driftCursor = page.nextCursor;
      driftMore.hidden = driftCursor === null;
    } catch (e) {
      if (disposed) return;
      replace(driftBody);
      replace(message, errorNotice(e, ctx.access));
    }
  }

  ctx.api
    .get<FleetSummary>(`${base}/summary`)
    .then((summary) => {
      if (!disposed) render(summary);
    })
    .catch((e) => {
      if (disposed) return;
      replace(body);
      replace(message, errorNotice(e, ctx.access));
    });
  void loadDrifted();
  return {
    title: `Fleet of ${dataset}`,
    el,
    dispose: () => {
      disposed = true;
    },
  };
}
