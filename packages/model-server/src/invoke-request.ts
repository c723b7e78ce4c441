import { badRequest } from "@myriad/core/errors/myriad-error";
import type { InvokeRequest } from "@myriad/core/ports/inference-endpoint";
import { z } from "zod";

/**
 * The invoke body's shape. Ranges (horizon, quantiles in (0, 1), start) are checked by
 * `forecastArtifact`, which knows the model; this only rejects what is not even the right type.
 */
const WhatIfChange = z.strictObject({
  set: z.number().optional(),
  multiply: z.number().optional(),
  add: z.number().optional(),
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
});

const InvokeBody = z.object({
  horizon: z.number().int(),
  quantiles: z.array(z.number()).min(1).max(99).optional(),
  start: z.string().max(64).optional(),
  explain: z.boolean().optional(),
  related: z.record(z.string().max(128), WhatIfChange).optional(),
});

const LoadBody = z.object({
  model_name: z.string().min(1).max(1024),
  url: z.string().min(1).max(4096),
});

export function parseInvokeRequest(body: unknown): InvokeRequest {
  const parsed = InvokeBody.safeParse(body);
  if (!parsed.success) throw badRequest("invalid_request", z.prettifyError(parsed.error));
  return parsed.data;
}

export function parseLoadRequest(body: unknown): { modelName: string; url: string } {
  const parsed = LoadBody.safeParse(body);
  if (!parsed.success) throw badRequest("invalid_request", z.prettifyError(parsed.error));
  return { modelName: parsed.data.model_name, url: parsed.data.url };
}

/** The request body as JSON, or a 400 that says so (Hono's own parse error would be a 500). */
export async function readJson(request: Request): Promise<unknown> {
  return parseJson(await request.text());
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "the request body is not JSON");
  }
}
