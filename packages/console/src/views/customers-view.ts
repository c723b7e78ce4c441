import { seg } from "../api/client.ts";
import type { CustomerPage, CustomerSummary, DatasetInfo } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatMetric, formatTime } from "../lib/format.ts";
import { METRIC_HELP, parseMetrics } from "./metrics.ts";
import { emptyRow, errorNotice, pageHeading } from "./ui.ts";

const PAGE = 100;
const COLUMNS = 8;

/**
 * A dataset's customers with their active model and its backtest accuracy. The search box
 * matches customer id prefixes on the server; more pages load on request.
 */
export function customersView(ctx: ViewContext, dataset: string): View {
  let cursor: string | null = null;
  let generation = 0;
  const tbody = h("tbody", null, emptyRow(COLUMNS, "Loading…"));
  const message = h("div");
  const count = h("span", { class: "muted", "aria-live": "polite" });
  const more = h(
    "button",
    { type: "button", class: "secondary", hidden: true, onclick: () => void load(false) },
    "Load more customers",
  );
  const search = h("input", {
    id: "customer-search",
    type: "search",
    placeholder: "Customer id starts with…",
    autocomplete: "off",
    maxlength: 64,
    oninput: debounce(() => void load(true), 250),
  });
  const datasets = h("select", {
    id: "customers-dataset",
    onchange: (e: Event) =>
      ctx.navigate({ name: "customers", dataset: (e.target as HTMLSelectElement).value }),
  });
  datasets.append(h("option", { value: dataset, selected: true }, dataset));

  const el = h(
    "section",
    { class: "page" },
    h("p", { class: "crumbs" }, h("a", { href: href({ name: "datasets" }) }, "Datasets"), " / ", dataset),
    pageHeading(`Customers of ${dataset}`, count),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "customer-search" }, "Search"),
      search,
      h("label", { for: "customers-dataset" }, "Dataset"),
      datasets,
    ),
    message,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data customers-table" },
        h("caption", { class: "sr-only" }, `Customers of dataset ${dataset}`),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, "Customer"),
            h("th", { scope: "col", class: "num" }, "Points"),
            h("th", { scope: "col" }, "First reading"),
            h("th", { scope: "col" }, "Last reading"),
            h("th", { scope: "col" }, "Algorithm"),
            h("th", { scope: "col", class: "num", title: METRIC_HELP.mase }, "MASE"),
            h("th", { scope: "col", class: "num", title: METRIC_HELP.wql }, "wQL"),
            h("th", { scope: "col" }, "Version"),
          ),
        ),
        tbody,
      ),
    ),
    more,
  );

  function row(c: CustomerSummary): HTMLTableRowElement {
    const m = parseMetrics(c.model?.metrics);
    return h(
      "tr",
      { "data-customer-id": c.customerId },
      h(
        "th",
        { scope: "row" },
        h(
          "a",
          { href: href({ name: "customer", dataset, customerId: c.customerId }), class: "mono" },
          c.customerId,
        ),
      ),
      h("td", { class: "num" }, formatCount(c.points)),
      h("td", { class: "nowrap" }, formatTime(c.firstTimestamp)),
      h("td", { class: "nowrap" }, formatTime(c.lastTimestamp)),
      h("td", null, c.model?.algorithm ?? h("span", { class: "muted" }, "no model yet")),
      h("td", { class: "num" }, formatMetric(m.mase)),
      h("td", { class: "num" }, formatMetric(m.averageWql)),
      h("td", { class: "mono small" }, c.model?.version ?? "—"),
    );
  }

  async function load(reset: boolean): Promise<void> {
    const mine = ++generation;
    if (reset) cursor = null;
    try {
      const page = await ctx.api.get<CustomerPage>(`/v1/datasets/${seg(dataset)}/customers`, {
        limit: PAGE,
        cursor: reset ? undefined : cursor,
        search: search.value.trim(),
      });
      if (mine !== generation) return;
      replace(message);
      const rows = page.customers.map(row);
      if (reset) {
        replace(
          tbody,
          rows.length > 0
            ? rows
            : emptyRow(
                COLUMNS,
                search.value ? "No customer id starts with that." : "This dataset has no customers yet.",
              ),
        );
      } else {
        tbody.append(...rows);
      }
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      const shown = tbody.querySelectorAll("tr[data-customer-id]").length;
      count.textContent = `${formatCount(shown)}${cursor ? "+" : ""} shown`;
    } catch (e) {
      if (mine !== generation) return;
      replace(message, errorNotice(e, ctx.access));
      if (reset) replace(tbody);
    }
  }

  void load(true);
  void ctx.api
    .get<{ datasets: DatasetInfo[] }>("/v1/datasets")
    .then(({ datasets: list }) => {
      for (const d of list)
        if (d.dataset !== dataset) datasets.append(h("option", { value: d.dataset }, d.dataset));
    })
    .catch(() => {});
  return { title: `Customers of ${dataset}`, el, dispose: () => void ++generation };
}

function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
