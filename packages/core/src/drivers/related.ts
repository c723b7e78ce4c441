import { isSafeIdentifier } from "../dataset/identifiers.ts";
import { Keys } from "../dataset/keys.ts";
import { badRequest, MyriadError } from "../errors/myriad-error.ts";
import { QuarantineWriter } from "../ingest/quarantine-writer.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import type { Frequency } from "../series/frequency.ts";
import { aggregationOf, type RelatedConfig } from "./dataset-drivers-config.ts";
import { type DriverRecord, openDriverCsv, parseDriverValue } from "./driver-csv.ts";
import { loadMetadata } from "./metadata.ts";
import { encodeRelated, loadRelated, mergeRelated, type RelatedSeries } from "./related-store.ts";
import { RowTable } from "./related-rows.ts";

export interface RelatedIngestOptions {
  /** The dataset frequency when known (`_dataset.json`, else the history's); else inferred from the file. */
  frequency?: Frequency;
  related?: RelatedConfig;
  /** Header names of the customer and timestamp columns (`_dataset.json` `columns`). */
  columns?: { customerId: string; timestamp: string };
  /** Names this file's quarantine object: `quarantine/<dataset>/related-<name>-<tag>.csv`. */
  quarantineTag: string;
  now?: Date;
}

export interface RelatedIngestResult {
  storedKey: string;
  name: string;
  keyColumn: string;
  fields: string[];
  frequency: Frequency;
  keys: number;
  /** Key values that no customer has (yet) in the stored metadata; kept, reported. */
  unmatchedKeys: string[];
  /** The stored series had another key column, so this file replaced it instead of merging. */
  replaced: boolean;
  rows: { in: number; out: number; quarantined: number };
  reasons: Record<string, number>;
  quarantineKey: string | null;
}

/** Records read before the key column is decided from the values, when the header cannot tell. */
const KEY_SAMPLE = 1000;

/**
 * Reads `raw/<dataset>/related/<name>.csv`: a timestamp column, a key column and numeric
 * fields, resamples each key's fields to the dataset frequency (mean by default, or
 * `related.aggregation`), merges with the stored series (newer wins per key, field and step) and
 * stores `drivers/<dataset>/related/<name>.json`. Future timestamps are expected (a driver's
 * forecast) and kept.
 *
 * The key column is, in order: `related.keys[<name>]`; the customer column (`customer_id`); the
 * one column named like a stored metadata attribute; the one column whose values are mostly not
 * numbers (so a file may arrive before its metadata). Every other column is a numeric field.
 *
 * Quarantined rows, with line and reason as for data: a missing key or timestamp or no value at
 * all (`missing_field`), an unsafe customer id (`invalid_customer_id`), `unparsable_timestamp`,
 * `timestamp_out_of_range`, a field that is not a number (`non_numeric_value`,
 * `non_finite_value`; negatives are fine), a second row for the same key and timestamp
 * (`duplicate_row` / `conflicting_duplicate`, the first wins). An empty field is an unknown value.
 *
 * @throws MyriadError `missing_columns` without the timestamp column; `invalid_header` when no key
 *   column can be told or no numeric field remains; `no_valid_rows`; `input_not_found`.
 */
export async function ingestRelated(
  store: ObjectStore,
  dataset: string,
  name: string,
  sourceKey: string,
  options: RelatedIngestOptions,
): Promise<RelatedIngestResult> {
  if (!isSafeIdentifier(name)) {
    throw badRequest(
      "invalid_related_name",
      `related file name ${JSON.stringify(name)} must match a safe identifier`,
    );
  }
  const source = await store.getStream(sourceKey);
  if (source === undefined) throw new MyriadError(404, "input_not_found", `${sourceKey} not found`);
  const file = `related/${name}.csv`;
  const quarantine = new QuarantineWriter();
  try {
    const csv = await openDriverCsv(source, (line, raw) => quarantine.add(line, "malformed_csv", raw));
    const tsName = (options.columns?.timestamp ?? "timestamp").toLowerCase();
    const idName = (options.columns?.customerId ?? "customer_id").toLowerCase();
    const tsCol = csv.header.indexOf(tsName);
    if (tsCol < 0) {
      throw badRequest(
        "missing_columns",
        `${file}: header lacks column ${tsName} (found: ${csv.header.join(", ")})`,
      );
    }
    const metadata = await loadMetadata(store, dataset);
    const it = csv.records[Symbol.asyncIterator]();
    const sample: DriverRecord[] = [];
    let keyCol = keyColumnFromHeader(
      csv.header,
      tsCol,
      idName,
      metadata.attributes,
      options.related?.keys[name],
      file,
    );
    if (keyCol < 0) {
      while (sample.length < KEY_SAMPLE) {
        const next = await it.next();
        if (next.done) break;
        sample.push(next.value);
      }
      keyCol = keyColumnFromValues(csv.header, tsCol, sample, file);
    }
    const keyColumn = keyCol === csv.header.indexOf(idName) ? "customer_id" : csv.header[keyCol];
    const fieldCols = csv.header
      .map((n, col) => ({ n, col }))
      .filter(({ col }) => col !== tsCol && col !== keyCol);
    if (fieldCols.length === 0)
      throw badRequest("invalid_header", `${file}: no numeric column besides ${keyColumn}`);
    const fields = fieldCols.map((f) => f.n);
    if (new Set(fields).size !== fields.length)
      throw badRequest("invalid_header", `${file}: a column name repeats`);

    const rows = new RowTable(fields.length);
    const decimalComma = csv.delimiter === ";";
    let rowsIn = 0;
    const take = (r: DriverRecord) => {
      rowsIn++;
      const reason = rows.addRecord(
        r.fields,
        keyCol,
        tsCol,
        fieldCols,
        keyColumn === "customer_id",
        decimalComma,
      );
      if (reason !== undefined) quarantine.add(r.line, reason, r.raw);
    };
    for (const r of sample) take(r);
    for (let next = await it.next(); !next.done; next = await it.next()) {
      take(next.value);
      const flushing = quarantine.flush();
      if (flushing !== undefined) await flushing;
    }
    const quarantineKey = await quarantine.write(
      store,
      Keys.driverQuarantine(dataset, `related-${name}`, options.quarantineTag),
    );
    const counts = { in: rowsIn, out: rows.count, quarantined: quarantine.count };
    if (rows.count === 0) {
      throw badRequest("no_valid_rows", `${file} has no valid row (${rowsIn} rows read)`, {
        rows: counts,
        reasons: { ...quarantine.reasons },
        quarantineKey,
      });
    }

    const frequency = options.frequency ?? rows.inferFrequency();
    const aggregation = Object.fromEntries(fields.map((f) => [f, aggregationOf(f, options.related)]));
    const incoming: RelatedSeries = {
      name,
      keyColumn,
      frequency,
      aggregation,
      updatedAt: (options.now ?? new Date()).toISOString(),
      series: rows.resample(fields, frequency, aggregation),
    };
    const stored = await loadRelated(store, dataset, name);
    const replaced = stored !== undefined && stored.keyColumn !== keyColumn;
    const merged = stored === undefined || replaced ? incoming : mergeRelated(stored, incoming);
    const storedKey = Keys.driversRelated(dataset, name);
    await store.put(storedKey, encodeRelated(merged), "application/json");

    const known =
      keyColumn === "customer_id"
        ? new Set(Object.keys(metadata.customers))
        : new Set(Object.values(metadata.customers).map((a) => a[keyColumn]));
    return {
      storedKey,
      name,
      keyColumn,
      fields,
      frequency,
      keys: incoming.series.size,
      // Without metadata every customer-keyed series is unmatched; say nothing then.
      unmatchedKeys: metadata.updatedAt === null ? [] : rows.keys.filter((k) => !known.has(k)).sort(),
      replaced,
      rows: counts,
      reasons: { ...quarantine.reasons },
      quarantineKey,
    };
  } finally {
    await quarantine.dispose();
  }
}

/** The key column's index from the header alone, or -1 when only the values can tell. */
function keyColumnFromHeader(
  header: string[],
  tsCol: number,
  idName: string,
  attributes: string[],
  configured: string | undefined,
  file: string,
): number {
  if (configured !== undefined) {
    const col = header.indexOf(configured.toLowerCase());
    if (col < 0 || col === tsCol) {
      throw badRequest(
        "invalid_header",
        `${file}: the key column ${JSON.stringify(configured)} set in _dataset.json "related.keys" is not in the header`,
      );
    }
    return col;
  }
  const id = header.indexOf(idName);
  if (id >= 0) return id;
  const named = header
    .map((n, col) => ({ n, col }))
    .filter(({ n, col }) => col !== tsCol && attributes.includes(n));
  if (named.length > 1) {
    throw badRequest(
      "invalid_header",
      `${file}: columns ${named.map((c) => c.n).join(" and ")} are both metadata attributes; choose the key with _dataset.json "related": {"keys": {"<name>": "<column>"}}`,
    );
  }
  return named.length === 1 ? named[0].col : -1;
}

/** The one column (other than the timestamp) whose non-empty values are mostly not numbers. */
function keyColumnFromValues(header: string[], tsCol: number, sample: DriverRecord[], file: string): number {
  const candidates: number[] = [];
  for (let col = 0; col < header.length; col++) {
    if (col === tsCol) continue;
    let text = 0;
    let filled = 0;
    for (const { fields } of sample) {
      const v = fields[col]?.trim() ?? "";
      if (v === "") continue;
      filled++;
      if (!parseDriverValue(v, true).ok) text++;
    }
    if (filled > 0 && text * 2 > filled) candidates.push(col);
  }
  if (candidates.length !== 1) {
    throw badRequest(
      "invalid_header",
      `${file}: cannot tell the key column (${candidates.length === 0 ? "every column is numeric" : `${candidates.map((c) => header[c]).join(", ")} all hold text`}); name it customer_id or a metadata attribute, or set _dataset.json "related": {"keys": {"<name>": "<column>"}}`,
    );
  }
  return candidates[0];
}
