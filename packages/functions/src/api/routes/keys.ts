import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "@myriad/core/errors/myriad-error";
import { createApiKey, listApiKeys, parseScope, revokeApiKey } from "@myriad/core/registry/api-keys";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { ERRORS, json } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";
import type { VerifiedKeys } from "../verified-keys.ts";

const KeyInfo = z
  .object({
    id: z.string(),
    scope: z.string(),
    name: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

/** `verifiedKeys`: the authentication's cache, which a revoked key leaves at once. */
export function keyRoutes(deps: ApiDeps, verifiedKeys: VerifiedKeys) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/keys",
      summary: "Create an API key (admin); the key is shown once",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({
                scope: z.string().max(200).openapi({ example: "customer:default/7" }),
                name: z.string().max(100).optional(),
              }),
            },
          },
        },
      },
      responses: {
        201: json(z.object({ id: z.string(), key: z.string(), scope: z.string() }), "The new key"),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const body = c.req.valid("json");
      const scope = parseScope(body.scope);
      const created = await createApiKey(deps.db, scope, body.name);
      return c.json({ ...created, scope: body.scope }, 201);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/keys",
      summary: "API keys without their secrets (admin)",
      responses: { 200: json(z.object({ keys: z.array(KeyInfo) }), "Keys"), ...ERRORS },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      return c.json({ keys: await listApiKeys(deps.db) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/keys/{keyId}",
      summary: "Revoke an API key (admin)",
      request: { params: z.object({ keyId: z.string().regex(/^[0-9a-f]{12}$/) }) },
      responses: { 200: json(z.object({ revoked: z.boolean() }), "Revoked"), ...ERRORS },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const { keyId } = c.req.valid("param");
      if (!(await revokeApiKey(deps.db, keyId))) throw notFound("active key");
      verifiedKeys.evict(keyId);
      return c.json({ revoked: true }, 200);
    },
  );
  return app;
}
