import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { DEFAULT_DATASET } from "@myriad/core/dataset/keys";
import { type AuthEnv, requireAdmin } from "../auth.ts";
import { ERRORS, Identifier, json } from "../schemas.ts";
import type { ApiDeps } from "../api-deps.ts";

/** Upload size limit: S3's single PUT limit, which a presigned URL is bound by. */
export const MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

const FileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.csv(\.gz)?$/, "a .csv or .csv.gz file name of safe characters")
  .refine((s) => !s.includes(".."), "must not contain ..");

export function uploadRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/uploads",
      summary: "An upload URL for a data file; PUT the file there and a run starts (admin)",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({
                dataset: Identifier.default(DEFAULT_DATASET),
                filename: FileName.openapi({ example: "readings-2026-11.csv.gz" }),
                size: z.number().int().min(0).max(MAX_UPLOAD_BYTES).optional().openapi({
                  description:
                    "the file's size in bytes: the URL then takes a PUT of exactly that size, with the returned headers",
                }),
              }),
            },
          },
        },
      },
      responses: {
        201: json(
          z.object({
            key: z.string(),
            url: z.string(),
            method: z.literal("PUT"),
            headers: z.record(z.string(), z.string()),
            expiresAt: z.string(),
          }),
          "Where to PUT the file",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      requireAdmin(c.var.scope);
      const { dataset, filename, size } = c.req.valid("json");
      const key = `raw/${dataset}/${filename}`;
      const ticket = await deps.uploads.createUpload(key, {
        contentLength: size,
        contentType: filename.endsWith(".gz") ? "application/gzip" : "text/csv",
      });
      // The URL is the adapter's as it is (S3's, or the embedded stack's configured base): never
      // built from this request's Host header, which the client chooses.
      return c.json(ticket, 201);
    },
  );
  return app;
}
