import { CUSTOMER_SORTS, type CustomerSort } from "../api/types.ts";

/** The console's pages, addressed by the URL hash so the static server needs no routes. */
export type Route =
  | { name: "home" }
  | { name: "runs" }
  | { name: "run"; runId: string }
  | { name: "datasets" }
  | { name: "fleet"; dataset: string }
  | {
      name: "customers";
      dataset: string;
      /** Absent: natural id order. */
      sort?: Exclude<CustomerSort, "id">;
      /** Only the customers whose model drifted. */
      drift?: true;
    }
  | { name: "customer"; dataset: string; customerId: string }
  | { name: "endpoint" }
  | { name: "upload" }
  | { name: "not-found"; path: string };

/**
 * Parses `#/runs/<id>`-style hashes; unknown paths become `not-found` rather than a blank page.
 * The customer list keeps its sort and filter in a query (`?sort=realisedWql&flag=drift`) so a
 * link can open it that way; unknown query values are ignored.
 */
export function parseRoute(hash: string): Route {
  const [rawPath, query = ""] = hash.replace(/^#/, "").split("?", 2);
  const path = rawPath.replace(/^\/+|\/+$/g, "");
  if (path === "") return { name: "home" };
  let parts: string[];
  try {
    parts = path.split("/").map(decodeURIComponent);
  } catch {
    return { name: "not-found", path };
  }
  const [a, b, c, d, ...rest] = parts;
  if (rest.length > 0) return { name: "not-found", path };
  if (a === "runs" && b === undefined) return { name: "runs" };
  if (a === "runs" && b && c === undefined) return { name: "run", runId: b };
  if (a === "datasets" && b === undefined) return { name: "datasets" };
  if (a === "datasets" && b && c === undefined) return { name: "fleet", dataset: b };
  if (a === "datasets" && b && c === "customers" && d === undefined) {
    const params = new URLSearchParams(query);
    const sort = params.get("sort") as CustomerSort | null;
    return {
      name: "customers",
      dataset: b,
      ...(sort && sort !== "id" && CUSTOMER_SORTS.includes(sort) ? { sort } : {}),
      ...(params.get("flag") === "drift" ? { drift: true as const } : {}),
    };
  }
  if (a === "datasets" && b && c === "customers" && d) return { name: "customer", dataset: b, customerId: d };
  if (a === "endpoint" && b === undefined) return { name: "endpoint" };
  if (a === "upload" && b === undefined) return { name: "upload" };
  return { name: "not-found", path };
}

/** The hash of a route: `href({ name: "run", runId })` → `#/runs/<runId>`. */
export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.name) {
    case "home":
      return "#/";
    case "runs":
      return "#/runs";
    case "run":
      return `#/runs/${e(route.runId)}`;
    case "datasets":
      return "#/datasets";
    case "fleet":
      return `#/datasets/${e(route.dataset)}`;
    case "customers": {
      const params = new URLSearchParams();
      if (route.sort) params.set("sort", route.sort);
      if (route.drift) params.set("flag", "drift");
      return `#/datasets/${e(route.dataset)}/customers${params.size > 0 ? `?${params}` : ""}`;
    }
    case "customer":
      return `#/datasets/${e(route.dataset)}/customers/${e(route.customerId)}`;
    case "endpoint":
      return "#/endpoint";
    case "upload":
      return "#/upload";
    case "not-found":
      return `#/${route.path}`;
  }
}
