import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import type { ApiDeps } from "@myriad/functions/api/api-deps";
import { createApi } from "@myriad/functions/api/app";

describe("the OpenAPI document", () => {
  // The document is generated from the route schemas alone; no route runs, so no ports are needed.
  const app = createApi({} as ApiDeps);

  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await (await app.request("/openapi.json")).json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every data route with its key requirement and problem responses", async () => {
    const doc = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([m, op]) => ({ path, m, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(13);
    for (const { path, m, op } of operations.filter((o) => o.path.startsWith("/v1/"))) {
      expect(Object.keys(op.responses), `${m} ${path}`).toEqual(
        expect.arrayContaining(["400", "401", "403", "404"]),
      );
    }
    // Health is documented too, and needs no key.
    const health = doc.paths["/health"]?.get as unknown as { security?: unknown[] } | undefined;
    expect(health?.security).toEqual([]);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
  });
});
