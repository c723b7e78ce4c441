import type { Kysely } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@myriad/core/db/schema";
import { createApiKey, revokeApiKey, verifyApiKey } from "@myriad/core/registry/api-keys";
import type { ApiDeps } from "@myriad/functions/api/api-deps";
import { createApi } from "@myriad/functions/api/app";
import { AuthFailureThrottle } from "@myriad/functions/api/auth-throttle";
import { VERIFIED_KEY_TTL_SECONDS } from "@myriad/functions/api/verified-keys";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * API keys against a real database: a revoked key stops at once on the API that revoked it and
 * within {@link VERIFIED_KEY_TTL_SECONDS} on any other (two apps over one database stand for two
 * Lambda instances); every presented key costs the same work; failures are throttled per client.
 */
describe("API keys", () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let admin: string;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    db = database.db;
    admin = (await createApiKey(db, { kind: "admin" })).key;
  });
  afterAll(() => database?.close());
  afterEach(() => vi.useRealTimers());

  const call = (app: ReturnType<typeof createApi>, path: string, key: string, method = "GET") =>
    app.request(path, { method, headers: { authorization: `Bearer ${key}` } });

  it("stops a revoked key at once on the API that revoked it, though it was just verified", async () => {
    const app = createApi({ db } as ApiDeps);
    const { id, key } = await createApiKey(db, { kind: "admin" });
    expect((await call(app, "/v1/keys", key)).status).toBe(200);
    expect((await call(app, `/v1/keys/${id}`, admin, "DELETE")).status).toBe(200);
    const res = await call(app, "/v1/keys", key);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_key");
  });

  it(`stops it on every other API instance within ${VERIFIED_KEY_TTL_SECONDS} s`, async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const [here, elsewhere] = [createApi({ db } as ApiDeps), createApi({ db } as ApiDeps)];
    const { id, key } = await createApiKey(db, { kind: "admin" });
    expect((await call(elsewhere, "/v1/keys", key)).status).toBe(200);
    expect((await call(here, `/v1/keys/${id}`, admin, "DELETE")).status).toBe(200);
    // The other instance still trusts what it verified, but no longer than the TTL.
    vi.advanceTimersByTime(VERIFIED_KEY_TTL_SECONDS * 1000 - 1000);
    expect((await call(elsewhere, "/v1/keys", key)).status).toBe(200);
    vi.advanceTimersByTime(1001);
    expect((await call(elsewhere, "/v1/keys", key)).status).toBe(401);
  });

  it("looks up every presented key once, malformed and unknown ids included, so a miss costs what a hit costs", async () => {
    const { id, key } = await createApiKey(db, { kind: "customer", dataset: "default", customerId: "7" });
    const revoked = await createApiKey(db, { kind: "admin" });
    await revokeApiKey(db, revoked.id);
    let queries = 0;
    const counted = db.withPlugin({
      transformQuery: (args) => {
        queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const cases: [string, string, boolean][] = [
      ["malformed", "nonsense", false],
      ["empty", "", false],
      ["too long", `${key}x`, false],
      ["unknown id", "myr_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false],
      ["wrong secret", `myr_${id}_${"A".repeat(32)}`, false],
      ["revoked", revoked.key, false],
      ["valid", key, true],
    ];
    for (const [name, presented, valid] of cases) {
      queries = 0;
      const scope = await verifyApiKey(counted, presented);
      expect(scope !== undefined, name).toBe(valid);
      expect(queries, name).toBe(1);
    }
  });

  it("lets a client fail a limited number of times per window, then tells it when to retry", () => {
    const throttle = new AuthFailureThrottle({ maxFailures: 3, windowMs: 60_000 });
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter("10.0.0.1", t0 + i)).toBe(0);
      throttle.fail("10.0.0.1", t0 + i);
    }
    expect(throttle.retryAfter("10.0.0.1", t0 + 10_000)).toBe(50);
    expect(throttle.retryAfter("10.0.0.2", t0 + 10_000)).toBe(0);
    expect(throttle.retryAfter("10.0.0.1", t0 + 60_000)).toBe(0);
  });

  it("keeps its memory bounded however many clients fail", () => {
    const throttle = new AuthFailureThrottle({ maxFailures: 1, windowMs: 60_000, maxClients: 100 });
    for (let i = 0; i < 1000; i++) throttle.fail(`client-${i}`, 0);
    // The newest clients are still held; the oldest made room.
    expect(throttle.retryAfter("client-999", 1)).toBeGreaterThan(0);
    expect(throttle.retryAfter("client-0", 1)).toBe(0);
  });
});
