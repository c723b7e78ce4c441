import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { generateRows } from "@myriad/core/ingest/generate";
import type { ObjectStore } from "@myriad/core/ports/object-store";

export const DEMO_KEY = "raw/demo-readings.csv.gz";
export const DEMO_CUSTOMERS = 1000;
/** Long enough for weekly seasonality and three backtest windows of a week; quick to train. */
export const DEMO_DAYS = 120;

/** On an empty bucket, drops the seed's 1,000-customer dataset into `raw/` so a run starts. */
export async function dropDemoIfEmpty(store: ObjectStore, bucketDir: string): Promise<boolean> {
  const existing = await readdir(join(bucketDir, "raw")).catch(() => []);
  if (existing.length > 0) return false;
  const end = new Date();
  end.setUTCHours(0, 0, 0, 0);
  const start = new Date(end.getTime() - DEMO_DAYS * 86_400_000);
  const csv = Readable.from(generateRows({ customers: DEMO_CUSTOMERS, days: DEMO_DAYS, start, seed: 42 }));
  await store.putStream(DEMO_KEY, csv.pipe(createGzip()));
  return true;
}
