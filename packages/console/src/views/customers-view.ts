import { seg } from "../api/client.ts";
import type { CustomerPage, CustomerSort, CustomerSummary, DatasetInfo } from "../api/types.ts";
import { href, type Route } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatMetric, formatTime } from "../lib/format.ts";
import { METRIC_HELP, parseMetrics } from "./metrics.ts";
import { driftBadge, emptyRow, errorNotice, pageHeading } from "./ui.ts";

const PAGE = 100;
const COLUMNS = 10;

const SORT_LABELS: Record<CustomerSort, string> = {
  id: "Customer id",
  backtestWql: "Backtest wQL, worst first",
  realisedWql: "Realised wQL, worst first",
};

/**
 * A dataset's customers with their active model, its backtest and realised accuracy and its
 * drift verdict. The server orders them (natural id order: 2 before 10, or worst first by a
 * metric), matches customer id prefixes and filters the drifted; more pages load on request.
 * The sort and the filter live in the address, so the fleet page can link to them.
 */
export function customersView(ctx: ViewContext, route: Extract<Route, { name: "customers" }>): View {
  const { dataset } = route;
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
  const sort = h(
    "select",
    { id: "customers-sort", onchange: () => changed() },
    (Object.keys(SORT_LABELS) as CustomerSort[]).map((value) =>
      h("option", { value, selected: value === (route.sort ?? "id") }, SORT_LABELS[value]),
    ),
  );
  const driftOnly = h("input", {
    id: "customers-drift",
    type: "checkbox",
    checked: route.drift === true,
    onchange: () => changed(),
  });

  /** Keeps the address in step with the list (without re-rendering the page) and reloads it. */
  function changed(): void {
    const value = sort.value as CustomerSort;
    history.replaceState(
      null,
      "",
      href({
        name: "customers",
        dataset,
        ...(value !== "id" ? { sort: value } : {}),
        ...(driftOnly.checked ? { drift: true as const } : {}),
      }),
    );
    void load(true);
  }

  const el = h(
    "section",
    { class: "page" },
    h(
      "p",
      { class: "crumbs" },
      h("a", { href: href({ name: "datasets" }) }, "Datasets"),
      " / ",
      h("a", { href: href({ name: "fleet", dataset }) }, dataset),
      " / customers",
    ),
    pageHeading(`Customers of ${dataset}`, count),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "customer-search" }, "Search"),
      search,
      h("label", { for: "customers-sort" }, "Sort"),
      sort,
      h("label", { class: "check" }, driftOnly, "Drifted only"),
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
            h("th", { scope: "col", class: "num", title: METRIC_HELP.wql }, "Backtest wQL"),
            h(
              "th",
              {
                scope: "col",
                class: "num",
                title: "wQL of its latest scored forecast against the actuals that came later",
              },
              "Realised wQL",
            ),
            h("th", { scope: "col" }, "Drift"),
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
      h("td", { class: "num" }, formatMetric(c.realisedWql)),
      h("td", null, driftBadge(c.drift ?? null)),
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
        sort: sort.value === "id" ? undefined : sort.value,
        flag: driftOnly.checked ? "drift" : undefined,
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
                search.value
                  ? "No customer id starts with that."
                  : driftOnly.checked
                    ? "No customer's forecast has drifted."
                    : "This dataset has no customers yet.",
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
