import { createHash } from "node:crypto";
import { isSafeIdentifier } from "../dataset/identifiers.ts";
import { rawKeyKind } from "../dataset/keys.ts";
import { badRequest, MyriadError } from "../errors/myriad-error.ts";
import { historyFrequency, readDatasetConfig } from "../ingest/preprocess.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { ingestMetadata, type MetadataIngestResult } from "./metadata.ts";
import { ingestRelated, type RelatedIngestResult } from "./related.ts";

/** What became of a driver file: stored (with its counts) or rejected (with the error). */
export type DriverFileOutcome = { dataset: string; summary: string } & (
  | { kind: "metadata"; stored: true; result: MetadataIngestResult }
  | { kind: "related"; name: string; stored: true; result: RelatedIngestResult }
  | { kind: "metadata" | "related"; stored: false; error: { code: string; message: string } }
);

/** True for `raw/<dataset>/metadata.csv[.gz]` and `raw/<dataset>/related/<name>.csv[.gz]`. */
export function isDriverFile(key: string): boolean {
  const kind = rawKeyKind(key)?.kind;
  return kind === "metadata" || kind === "related";
}

/**
 * Ingests a driver file dropped under `raw/` (the on-upload path calls it instead of starting a
 * run): item metadata is upserted into `drivers/<dataset>/metadata.json`, a related series merged
 * into `drivers/<dataset>/related/<name>.json`, using `_dataset.json` (`columns`, `frequency`,
 * `related`) and, without a configured frequency, the grid of the dataset's existing series.
 * The next training run reads them; startRuns also re-forecasts the active models after a
 * related file (a newer weather forecast).
 *
 * A file that cannot be used (bad header, no valid row, bad `_dataset.json`) does not throw: the
 * outcome says why. Quarantined rows go to `quarantine/<dataset>/<metadata|related-<name>>-<tag>.csv`,
 * the tag derived from key and eTag (the same bytes delivered twice write the same object).
 *
 * @throws only what is not the file's fault (storage errors), so the event is retried.
 */
export async function ingestDriverFile(
  store: ObjectStore,
  key: string,
  options: { now?: Date } = {},
): Promise<DriverFileOutcome> {
  const kind = rawKeyKind(key);
  if (kind === undefined || kind.kind === "data") throw new Error(`${key} is not a driver file`);
  const { dataset } = kind;
  try {
    if (!isSafeIdentifier(dataset))
      throw badRequest("invalid_dataset", `unsafe dataset name ${JSON.stringify(dataset)}`);
    const head = await store.head(key);
    if (head === undefined) throw new MyriadError(404, "input_not_found", `${key} not found`);
    const quarantineTag = createHash("sha256").update(`${key}\n${head.etag}`).digest("hex").slice(0, 12);
    const config = await readDatasetConfig(store, dataset);
    if (kind.kind === "metadata") {
      const result = await ingestMetadata(store, dataset, key, {
        customerIdColumn: config.columns.customerId,
        quarantineTag,
        now: options.now,
      });
      const summary =
        `item metadata: ${result.customers} customers stored (${result.added} new; attributes ${result.attributes.join(", ")})` +
        `${quarantined(result.rows.quarantined, result.quarantineKey)}, used by the next run`;
      return { kind: "metadata", dataset, stored: true, result, summary };
    }
    const result = await ingestRelated(store, dataset, kind.name, key, {
      frequency: config.frequency ?? (await historyFrequency(store, dataset)),
      related: config.related,
      columns: config.columns,
      quarantineTag,
      now: options.now,
    });
    const summary =
      `related series ${kind.name}: ${result.keys} ${result.keyColumn} value(s) × ${result.fields.join(", ")} stored at ${result.frequency}` +
      `${quarantined(result.rows.quarantined, result.quarantineKey)}, used by the next run`;
    return { kind: "related", name: kind.name, dataset, stored: true, result, summary };
  } catch (error) {
    if (!(error instanceof MyriadError) || error.status >= 500) throw error;
    const what = kind.kind === "metadata" ? "item metadata" : `related series ${kind.name}`;
    return {
      kind: kind.kind,
      dataset,
      stored: false,
      error: { code: error.code, message: error.message },
      summary: `${what} not stored: ${error.code}: ${error.message}`,
    };
  }
}

function quarantined(count: number, key: string | null): string {
  return count === 0 ? "" : `; ${count} row(s) quarantined to ${key}`;
}
