import { z } from "@hono/zod-openapi";
import { IDENTIFIER_PATTERN } from "@myriad/core/dataset/identifiers";

/** Path and query schemas shared by the routes; the OpenAPI document is generated from them. */
export const Identifier = z
  .string()
  .regex(IDENTIFIER_PATTERN)
  .refine((s) => !s.includes(".."), "must not contain ..");

/** Run ids are Step Functions execution names: `run-` and a hash, at most 80 safe characters. */
export const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "not a run id");

/** A customer-id prefix to search for: the identifier alphabet, possibly empty. */
export const SearchPrefix = z.string().regex(/^[A-Za-z0-9_.-]{0,64}$/, "letters, digits, _ . - only");

export const DatasetParams = z.object({
  dataset: Identifier.openapi({ param: { name: "dataset", in: "path" }, example: "default" }),
});

export const CustomerParams = DatasetParams.extend({
  id: Identifier.openapi({ param: { name: "id", in: "path" }, example: "7" }),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 }),
  cursor: z.string().max(512).optional(),
});

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
  })
  .openapi("Problem");

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

/** The error responses every authenticated route may give. */
export const ERRORS = {
  400: problemResponse("Invalid request"),
  401: problemResponse("Missing or invalid API key"),
  403: problemResponse("The key may not access this resource"),
  404: problemResponse("Not found"),
};

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Quantile list as `quantiles=0.1,0.5,0.9`. */
export const QuantilesParam = z
  .string()
  .regex(/^(0?\.\d+)(,0?\.\d+)*$/)
  .transform((s) => s.split(",").map(Number))
  .refine((qs) => qs.every((q) => q > 0 && q < 1) && qs.length <= 20, "quantiles must be in (0, 1)")
  .optional()
  .openapi({ example: "0.1,0.5,0.9", type: "string" });

export const TimestampParam = z.iso.datetime({ offset: true }).optional();

/** A customer's latest drift verdict (forecast monitoring). */
export const DriftFlag = z
  .object({ flagged: z.boolean(), reason: z.string(), version: z.string(), at: z.string() })
  .openapi("DriftFlag", {
    example: {
      flagged: true,
      reason:
        "version 20261201T000000Z-1a2b3c4d: realised wQL 0.214 over 168 points is 4.1× the backtest's 0.0521 (threshold 2×)",
      version: "20261201T000000Z-1a2b3c4d",
      at: "2026-12-08T00:05:00.000Z",
    },
  });
