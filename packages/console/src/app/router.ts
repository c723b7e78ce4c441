/** The console's pages, addressed by the URL hash so the static server needs no routes. */
export type Route =
  | { name: "home" }
  | { name: "runs" }
  | { name: "run"; runId: string }
  | { name: "datasets" }
  | { name: "customers"; dataset: string }
  | { name: "customer"; dataset: string; customerId: string }
  | { name: "endpoint" }
  | { name: "upload" }
  | { name: "not-found"; path: string };

/** Parses `#/runs/<id>`-style hashes; unknown paths become `not-found` rather than a blank page. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/^\/+|\/+$/g, "");
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
  if (a === "datasets" && b && c === "customers" && d === undefined) return { name: "customers", dataset: b };
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
    case "customers":
      return `#/datasets/${e(route.dataset)}/customers`;
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
