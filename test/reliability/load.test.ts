import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS } from "../support/databases.ts";
import { startTestStack, type TestStack, waitFor } from "../support/stack.ts";
import { allRuns, idleWithin, runCount, shutdownWithin } from "../bad-inputs/pipeline-outputs.ts";

const CUSTOMERS = 20;
const LOAD_SECONDS = 60;
const HOUR = 3_600_000;
/** The forecast cache checks the publication generation once a second; allow that and a bit. */
const VISIBLE_WITHIN_MS = 2_500;
/** The uploads: the first before the load, the others during it. Each ends where the next starts. */
const UPLOADS = [
  { name: "base.csv", start: "2026-01-05T00:00:00Z", days: 21 },
  { name: "week-2.csv", start: "2026-01-26T00:00:00Z", days: 7 },
  { name: "week-3.csv", start: "2026-02-02T00:00:00Z", days: 7 },
];

/** The slice of autocannon used here (it ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  requests: {
    setupRequest: (req: { path?: string }, context: Record<string, number>) => { path: string };
    onResponse: (status: number, body: string, context: Record<string, number>) => void;
  }[];
}) => PromiseLike<{ requests: { total: number }; errors: number; timeouts: number; non2xx: number }>;

/** One forecast response, reduced to what the checks need. */
interface Seen {
  customer: number;
  sentAt: number;
  version: string;
  /** First point's time; NaN when the response was not a well-formed forecast. */
  first: number;
  /** Why the points are not one whole forecast, if they are not. */
  problem?: string;
}

/** Checks one forecast body: the full horizon, hourly and contiguous, quantiles finite and in order. */
function inspect(body: string, customer: number, sentAt: number): Seen {
  let parsed: {
    model?: { version?: string };
    points?: { timestamp: string; p10: number; p50: number; p90: number }[];
  };
  try {
    parsed = JSON.parse(body);
  } catch {
    return { customer, sentAt, version: "", first: Number.NaN, problem: "not JSON" };
  }
  const points = parsed.points ?? [];
  const seen: Seen = {
    customer,
    sentAt,
    version: parsed.model?.version ?? "",
    first: Date.parse(points[0]?.timestamp),
  };
  if (points.length !== 168) return { ...seen, problem: `${points.length} points` };
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (Date.parse(p.timestamp) !== seen.first + i * HOUR) return { ...seen, problem: `gap at point ${i}` };
    if (![p.p10, p.p50, p.p90].every(Number.isFinite) || p.p10 > p.p50 || p.p50 > p.p90) {
      return { ...seen, problem: `quantiles at point ${i}: ${JSON.stringify(p)}` };
    }
  }
  return seen;
}

for (const dialect of DIALECTS)
  describe(`the API under ${LOAD_SECONDS} s of load while runs publish, on ${dialect}`, () => {
    let stack: TestStack;

    beforeAll(async () => {
      stack = await startTestStack(dialect);
      const [base] = UPLOADS;
      await stack.drop(base.name, { customers: CUSTOMERS, days: base.days, start: new Date(base.start) });
      await waitFor(async () => ((await runCount(stack)) === 1 ? true : undefined), 30_000);
      await idleWithin(stack, 120_000);
    });
    afterAll(() => shutdownWithin(stack));

    it("serves every request, each forecast one whole version, new versions switched in", async () => {
      const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
      const seen: Seen[] = [];
      const listVersions = new Set<string>();
      const listProblems: string[] = [];
      let customer = 0;
      const started = Date.now();

      // Uploads during the load: each as soon as the previous run is done, while time is left.
      const uploading = (async () => {
        await new Promise((r) => setTimeout(r, 5_000));
        for (const [i, upload] of UPLOADS.slice(1).entries()) {
          if (Date.now() - started > (LOAD_SECONDS - 25) * 1000) break;
          await stack.drop(upload.name, {
            customers: CUSTOMERS,
            days: upload.days,
            start: new Date(upload.start),
          });
          await waitFor(async () => ((await runCount(stack)) === i + 2 ? true : undefined), 30_000);
          await idleWithin(stack, 120_000);
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );

      const result = await autocannon({
        url: stack.apiUrl,
        connections: 8,
        duration: LOAD_SECONDS,
        headers: { authorization: `Bearer ${stack.adminKey}` },
        requests: [
          {
            setupRequest: (req, context) => {
              context.customer = customer++ % CUSTOMERS;
              context.sentAt = Date.now();
              return { ...req, path: `/v1/datasets/default/customers/${context.customer}/forecast` };
            },
            onResponse: (status, body, context) => {
              if (status === 200) seen.push(inspect(body, context.customer, context.sentAt));
            },
          },
          {
            setupRequest: (req) => ({ ...req, path: "/v1/datasets/default/customers?limit=100" }),
            onResponse: (status, body) => {
              if (status !== 200) return;
              const page = JSON.parse(body) as { customers: { model: { version: string } | null }[] };
              if (page.customers.length !== CUSTOMERS)
                listProblems.push(`${page.customers.length} customers`);
              for (const c of page.customers) {
                if (c.model) listVersions.add(c.model.version);
                else listProblems.push("a customer without a model");
              }
            },
          },
        ],
      });
      expect(await uploading).toBeUndefined();
      await idleWithin(stack, 120_000);

      // No error of any kind.
      expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({
        errors: 0,
        timeouts: 0,
        non2xx: 0,
      });
      expect(seen.length).toBeGreaterThan(1000);
      expect(listProblems).toEqual([]);

      // Which upload trained each version, and so where its forecast must start.
      const runs = (await allRuns(stack)).filter((r) => r.status === "SUCCEEDED");
      expect(runs.length).toBeGreaterThanOrEqual(2);
      const forecastStart = new Map<string, number>();
      const publishedAt = new Map<string, number>();
      for (const run of runs) {
        const upload = UPLOADS.find((u) => run.input.key === `raw/${u.name}`);
        if (!upload || !run.stoppedAt) continue;
        const suffix = `-${run.runId.slice(4, 12)}`;
        const model = (await (await stack.api("/v1/datasets/default/customers/0/model")).json()) as {
          versions: { version: string }[];
        };
        const version = model.versions.find((v) => v.version.endsWith(suffix))?.version;
        if (!version) continue;
        forecastStart.set(version, Date.parse(upload.start) + upload.days * 24 * HOUR);
        publishedAt.set(version, Date.parse(run.stoppedAt));
      }

      // Every forecast is whole: one version, 168 contiguous hours right after that version's data.
      const torn = seen.filter((s) => s.problem !== undefined || s.first !== forecastStart.get(s.version));
      expect(torn.slice(0, 5), `${torn.length} of ${seen.length} forecasts`).toEqual([]);

      // The publications were seen, and once published a version is not rolled back for long.
      const versions = new Set(seen.map((s) => s.version));
      expect(versions.size, [...versions].join(", ")).toBeGreaterThanOrEqual(2);
      expect(listVersions.size).toBeGreaterThanOrEqual(2);
      const stale = seen.filter((s) =>
        [...publishedAt].some(([v, at]) => s.sentAt > at + VISIBLE_WITHIN_MS && s.version < v),
      );
      expect(stale.slice(0, 5), `${stale.length} stale forecasts`).toEqual([]);
      console.log(
        `${dialect}: ${result.requests.total} requests in ${LOAD_SECONDS} s (${Math.round(result.requests.total / LOAD_SECONDS)}/s), ` +
          `${seen.length} forecasts checked, versions ${[...versions].join(", ")}`,
      );
    });
  });
