import fc from "fast-check";
import { percentEncode, rawPrintable } from "./raw-http.ts";

/** One request as sent on the wire: the path exactly, the body as text. */
export interface Sent {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

/** Path segments a hostile or careless client sends. */
const NASTY = [
  "..",
  ".",
  "%2F",
  "%2f",
  "..%2F..%2Fetc",
  "%2e%2e",
  "%2E%2E%2F",
  "%252F",
  "%00",
  "%",
  "%zz",
  "%E0%A4%A",
  "%C0%AE%C0%AE",
  "%FF",
  "a%2Fb",
  "1%2F..%2F2",
  "%20",
  "1'%3B%20DROP%20TABLE%20runs%3B--",
  "x".repeat(300),
  "%F0%9F%92%A5",
  "default",
  "other",
  "0",
  "1",
  "2",
  "999",
  "-1",
  "run-000000000000000000000000",
];

/**
 * A path segment: a nasty one, printable ASCII sent raw (`/`, `?`, `#`, `%`, `..` included),
 * or any Unicode text percent-encoded. `backslash: false` leaves out `\`, which the Node
 * adapter refuses before the app sees the request.
 */
export const segment = (options: { backslash: boolean }) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    {
      weight: 2,
      arbitrary: fc
        .string({ maxLength: 80 })
        .map((s) => (options.backslash ? s : s.replaceAll("\\", "%5C")))
        .map(rawPrintable),
    },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map(percentEncode) },
  );

/**
 * A list cursor: JSON of any shape base64url-encoded as the API encodes its own (arrays of
 * strings, dates that are not dates, numbers, nesting), or not base64url at all.
 */
const cursorValue = fc.oneof(
  fc
    .oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom(
            "notadate",
            "2026-01-01T00:00:00.000Z",
            "2026-02-30T00:00:00.000Z",
            "+275760-09-13T00:00:00.000Z",
            "backtestWql",
            "realisedWql",
            "1e400",
            "NaN",
            "",
          ),
        ),
        { maxLength: 4 },
      ),
    )
    .map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
  fc.string({ maxLength: 40 }),
);

const queryValue = fc.oneof(
  fc.constantFrom(
    "",
    "1",
    "0",
    "-1",
    "1e308",
    "1e400",
    "NaN",
    "Infinity",
    "0x10",
    "100000",
    "99999999999999999999",
    "0.5",
    "0.1,0.5,0.9",
    "0.33",
    "2",
    ",",
    "\u0000",
    "2026-01-01T00:00:00Z",
    "2026-13-45T99:00:00Z",
    "275760-09-13T00:00:00Z",
    "yesterday",
    "RUNNING",
    "backtestWql",
    "realisedWql",
    "garbage",
    "eyJhIjoxfQ",
  ),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.string({ unit: "binary", maxLength: 60 }),
  cursorValue,
);

const QUERY_NAMES = ["from", "to", "quantiles", "limit", "cursor", "search", "dataset", "status", "sort"];

/** A query string of known and unknown parameters, repeated ones included. */
export const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 10 })), queryValue), {
    maxLength: 4,
  })
  .map((pairs) =>
    pairs.length === 0
      ? ""
      : `?${pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&")}`,
  );

/** Any JSON value, plus the numbers and shapes validators trip on. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(1e308, -1, 0, 0.5, 1, 24, 10_000, 10_001, 2 ** 31, 2 ** 53 + 2, "24", "", null, [], {}),
  fc.string({ unit: "binary", maxLength: 30 }),
);

/** A JSON body with some of `fields` (any types) and unknown extra fields; or not JSON at all. */
export const body = (fields: string[]) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.record(Object.fromEntries(fields.map((f) => [f, anyValue])), { requiredKeys: [] }),
          fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 3 }),
        )
        .map(([known, extra]) => JSON.stringify({ ...extra, ...known })),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "{not json",
        "",
        '{"horizon": 1e400}',
        '{"horizon": 24, "horizon": "x"}',
        `{"horizon": ${"9".repeat(400)}}`,
        "[".repeat(5000),
        "null",
        '"\\ud800"',
        '{"horizon": 24, "start": "\\u0000"}',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  );

const withContentType = (sent: Sent): fc.Arbitrary<Sent> =>
  sent.body === undefined
    ? fc.constant(sent)
    : fc
        .constantFrom(
          "application/json",
          "application/json",
          "text/plain",
          "",
          "application/json; charset=latin1",
        )
        .map((contentType) => ({ ...sent, contentType }));

/** Requests to every route of the API, with hostile params, queries and bodies. */
export function apiRequests(): fc.Arbitrary<Sent> {
  const seg = segment({ backslash: false });
  const customer = fc.tuple(
    fc.oneof(fc.constantFrom("default", "other"), seg),
    fc.oneof(fc.constantFrom("0", "1", "2", "3", "4", "999"), seg),
  );
  return fc
    .oneof(
      fc
        .tuple(
          fc.constantFrom(
            "/health",
            "/openapi.json",
            "/v1/runs",
            "/v1/keys",
            "/v1/datasets",
            "/v1/endpoint/metrics",
          ),
          query,
        )
        .map(([p, q]) => ({ method: "GET", path: p + q })),
      fc.tuple(seg, query).map(([id, q]) => ({ method: "GET", path: `/v1/runs/${id}${q}` })),
      seg.map((id) => ({ method: "DELETE", path: `/v1/keys/${id}` })),
      body(["scope", "name"]).map((b) => ({ method: "POST", path: "/v1/keys", body: b })),
      body(["dataset", "filename", "size"]).map((b) => ({ method: "POST", path: "/v1/uploads", body: b })),
      fc
        .tuple(fc.oneof(fc.constant("default"), seg), query)
        .map(([d, q]) => ({ method: "GET", path: `/v1/datasets/${d}/customers${q}` })),
      fc
        .tuple(customer, fc.constantFrom("forecast", "history", "model"), query)
        .map(([[d, id], what, q]) => ({
          method: "GET",
          path: `/v1/datasets/${d}/customers/${id}/${what}${q}`,
        })),
      fc.tuple(customer, body(["horizon", "quantiles", "start"])).map(([[d, id], b]) => ({
        method: "POST",
        path: `/v1/datasets/${d}/customers/${id}/predict`,
        body: b,
      })),
      fc
        .tuple(fc.constantFrom("PUT", "PATCH", "DELETE", "POST"), customer)
        .map(([method, [d, id]]) => ({ method, path: `/v1/datasets/${d}/customers/${id}/forecast` })),
      fc
        .tuple(query, fc.string({ maxLength: 50 }))
        .map(([q, b]) => ({ method: "PUT", path: `/uploads${q}`, body: b })),
    )
    .chain(withContentType);
}

/** Any method on any path: the console's static files, unknown routes, malformed escapes. */
export function anyRequests(): fc.Arbitrary<Sent> {
  return fc
    .tuple(
      fc.constantFrom("GET", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
      fc.array(segment({ backslash: true }), { minLength: 1, maxLength: 6 }),
      query,
    )
    .map(([method, parts, q]) => ({ method, path: `/${parts.join("/")}${q}` }));
}

/** Just over the API's 1 MiB body limit, so any size past it is tried. */
const OVER_LIMIT = 1024 * 1024 + 1;

/** A request with a body over the limit, described rather than built (a counterexample stays short). */
export interface Oversized {
  path: string;
  field: string;
  size: number;
  chunked: boolean;
}

/** A body over the limit to a route that takes one, sent with its length declared or chunked. */
export const oversizedRequests = (): fc.Arbitrary<Oversized> =>
  fc.record({
    path: fc.constantFrom(
      "/v1/keys",
      "/v1/uploads",
      "/v1/datasets/default/customers/1/predict",
      "/v1/datasets/default/customers/1/what-if",
      "/v1/datasets/other/customers/0/predict",
      "/v1/no-such-route",
    ),
    field: fc.constantFrom("name", "quantiles", "filename", "related", "x"),
    size: fc.integer({ min: OVER_LIMIT, max: OVER_LIMIT + 256 * 1024 }),
    chunked: fc.boolean(),
  });

/** JSON the route's schema might accept but for its size: `size` bytes exactly. */
export function oversizedBody({ field, size }: Oversized): string {
  const head = `{"scope":"admin","horizon":6,"${field}":"`;
  const tail = '"}';
  return head + "a".repeat(size - head.length - tail.length) + tail;
}
