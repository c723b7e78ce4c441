import type { DatasetInfo } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatTime } from "../lib/format.ts";
import { emptyRow, errorNotice, pageHeading } from "./ui.ts";

/** Every dataset with its frequency and customer count: the way into its fleet page and customer list. */
export function datasetsView(ctx: ViewContext): View {
  const tbody = h("tbody", null, emptyRow(4, "Loading…"));
  const message = h("div");
  const el = h(
    "section",
    { class: "page" },
    pageHeading("Datasets"),
    message,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data" },
        h("caption", { class: "sr-only" }, "Datasets"),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, "Dataset"),
            h("th", { scope: "col" }, "Frequency"),
            h("th", { scope: "col", class: "num" }, "Customers"),
            h("th", { scope: "col" }, "Updated"),
          ),
        ),
        tbody,
      ),
    ),
  );
  ctx.api
    .get<{ datasets: DatasetInfo[] }>("/v1/datasets")
    .then(({ datasets }) => {
      if (datasets.length === 0) {
        replace(
          tbody,
          emptyRow(
            4,
            "No datasets yet: ",
            h("a", { href: href({ name: "upload" }) }, "upload a data file"),
            " to create one.",
          ),
        );
        return;
      }
      replace(
        tbody,
        datasets.map((d) =>
          h(
            "tr",
            null,
            h(
              "th",
              { scope: "row" },
              h("a", { href: href({ name: "fleet", dataset: d.dataset }) }, d.dataset),
            ),
            h("td", null, d.frequency ?? "—"),
            h(
              "td",
              { class: "num" },
              h(
                "a",
                { href: href({ name: "customers", dataset: d.dataset }), title: `Customers of ${d.dataset}` },
                formatCount(d.customers),
              ),
            ),
            h("td", null, formatTime(d.updatedAt)),
          ),
        ),
      );
    })
    .catch((e) => {
      replace(tbody);
      replace(message, errorNotice(e, ctx.access));
    });
  return { title: "Datasets", el };
}
