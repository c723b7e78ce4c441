import { describe, expect, it } from "vitest";
import { href, parseRoute, type Route } from "./router.ts";

describe("hash routes", () => {
  const routes: Route[] = [
    { name: "runs" },
    { name: "run", runId: "run-486f3ce4675e33329c295d76" },
    { name: "datasets" },
    { name: "fleet", dataset: "meters_eu" },
    { name: "customers", dataset: "meters_eu" },
    { name: "customers", dataset: "meters_eu", sort: "realisedWql" },
    { name: "customers", dataset: "meters_eu", sort: "backtestWql", drift: true },
    { name: "customer", dataset: "default", customerId: "cust 7/a" },
    { name: "endpoint" },
    { name: "upload" },
  ];

  it("parses every page's own link back to the same route", () => {
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });

  it("encodes ids so a slash in an id cannot change the page", () => {
    expect(href({ name: "customer", dataset: "default", customerId: "a/b" })).toBe(
      "#/datasets/default/customers/a%2Fb",
    );
  });

  it("keeps the customer list's sort and drift filter in the hash, ignoring unknown values", () => {
    expect(href({ name: "customers", dataset: "d", sort: "realisedWql", drift: true })).toBe(
      "#/datasets/d/customers?sort=realisedWql&flag=drift",
    );
    expect(parseRoute("#/datasets/d/customers?sort=nope&flag=other")).toEqual({
      name: "customers",
      dataset: "d",
    });
    expect(parseRoute("#/datasets/d/")).toEqual({ name: "fleet", dataset: "d" });
  });

  it("treats an empty hash as the start page and tolerates trailing slashes", () => {
    expect(parseRoute("")).toEqual({ name: "home" });
    expect(parseRoute("#/")).toEqual({ name: "home" });
    expect(parseRoute("#/runs/")).toEqual({ name: "runs" });
  });

  it("reports unknown or malformed paths as not found", () => {
    expect(parseRoute("#/nope")).toEqual({ name: "not-found", path: "nope" });
    expect(parseRoute("#/datasets/d/customers/c/extra")).toMatchObject({ name: "not-found" });
    expect(parseRoute("#/runs/%E0%A4%A")).toMatchObject({ name: "not-found" });
  });
});
