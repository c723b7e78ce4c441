import { isSafeIdentifier } from "../dataset/identifiers.ts";
import { Keys } from "../dataset/keys.ts";
import { badRequest, MyriadError } from "../errors/myriad-error.ts";
import { QuarantineWriter } from "../ingest/quarantine-writer.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import { openDriverCsv } from "./driver-csv.ts";

/**
 * Item metadata of a dataset, as stored at `drivers/<dataset>/metadata.json`: each customer's
 * attributes (`region`, `segment`…), the union of attribute names over all files.
 */
export interface ItemMetadata {
  attributes: string[];
  customers: Record<string, Record<string, string>>;
  updatedAt: string | null;
}

export interface MetadataIngestResult {
  storedKey: string;
  /** Customers in this file (after quarantine), and how many were new to the dataset. */
  customers: number;
  added: number;
  attributes: string[];
  rows: { in: number; out: number; quarantined: number };
  reasons: Record<string, number>;
  quarantineKey: string | null;
}

export interface MetadataIngestOptions {
  /** Header of the customer column (`_dataset.json` `columns.customerId`; default `customer_id`). */
  customerIdColumn?: string;
  /** Names this file's quarantine object: `quarantine/<dataset>/metadata-<tag>.csv`. */
  quarantineTag: string;
  now?: Date;
}

const decoder = new TextDecoder();
/** Column names a related file uses for itself; an attribute cannot take them. */
const RESERVED = new Set(["timestamp"]);

/**
 * Reads `raw/<dataset>/metadata.csv`: a customer column plus attribute columns. Upserts per
 * customer into the stored metadata: a customer in this file gets the file's non-empty values
 * (an empty cell keeps what was stored), customers not in it keep theirs. Header names are
 * trimmed and lower-cased.
 *
 * Quarantined with their reason (as data rows, `quarantine/<dataset>/metadata-<tag>.csv`): an
 * empty customer id (`missing_field`), an unsafe one (`invalid_customer_id`), a second row of a
 * customer (`duplicate_row` when equal, `conflicting_duplicate` otherwise: the first wins), more
 * fields than the header or broken quoting (`malformed_csv`).
 *
 * @throws MyriadError `missing_columns` without the customer column; `invalid_header` without
 *   an attribute column, with a repeated or reserved (`timestamp`) name; `input_not_found`.
 */
export async function ingestMetadata(
  store: ObjectStore,
  dataset: string,
  sourceKey: string,
  options: MetadataIngestOptions,
): Promise<MetadataIngestResult> {
  const source = await store.getStream(sourceKey);
  if (source === undefined) throw new MyriadError(404, "input_not_found", `${sourceKey} not found`);
  const quarantine = new QuarantineWriter();
  try {
    const csv = await openDriverCsv(source, (line, raw) => quarantine.add(line, "malformed_csv", raw));
    const idName = (options.customerIdColumn ?? "customer_id").trim().toLowerCase();
    const idCol = csv.header.indexOf(idName);
    if (idCol < 0) {
      throw badRequest(
        "missing_columns",
        `metadata.csv: header lacks column ${idName} (found: ${csv.header.join(", ")})`,
      );
    }
    const attributes = csv.header.map((name, col) => ({ name, col })).filter(({ col }) => col !== idCol);
    checkAttributeNames(attributes.map((a) => a.name));

    const incoming = new Map<string, Record<string, string>>();
    let rowsIn = 0;
    for await (const { fields, line, raw } of csv.records) {
      rowsIn++;
      const id = fields[idCol]?.trim() ?? "";
      const extra = fields.slice(csv.header.length).some((f) => f.trim() !== "");
      const values: Record<string, string> = {};
      for (const { name, col } of attributes) {
        const value = fields[col]?.trim() ?? "";
        if (value !== "") values[name] = value;
      }
      const earlier = incoming.get(id);
      const reason = extra
        ? "malformed_csv"
        : id === ""
          ? "missing_field"
          : !isSafeIdentifier(id)
            ? "invalid_customer_id"
            : earlier === undefined
              ? undefined
              : JSON.stringify(earlier) === JSON.stringify(values)
                ? "duplicate_row"
                : "conflicting_duplicate";
      if (reason !== undefined) quarantine.add(line, reason, raw);
      else incoming.set(id, values);
      const flushing = quarantine.flush();
      if (flushing !== undefined) await flushing;
    }

    const stored = await loadMetadata(store, dataset);
    const added = [...incoming.keys()].filter((id) => stored.customers[id] === undefined).length;
    const merged = upsertMetadata(
      stored,
      incoming,
      attributes.map((a) => a.name),
      options.now ?? new Date(),
    );
    const storedKey = Keys.driversMetadata(dataset);
    await store.put(storedKey, `${JSON.stringify(merged)}\n`, "application/json");
    const quarantineKey = await quarantine.write(
      store,
      Keys.driverQuarantine(dataset, "metadata", options.quarantineTag),
    );
    return {
      storedKey,
      customers: incoming.size,
      added,
      attributes: merged.attributes,
      rows: { in: rowsIn, out: incoming.size, quarantined: quarantine.count },
      reasons: { ...quarantine.reasons },
      quarantineKey,
    };
  } finally {
    await quarantine.dispose();
  }
}

/**
 * Upserts `incoming` (customer → non-empty attribute values) into `stored`: per customer, the
 * incoming values override, attributes it does not give are kept. Pure; returns a new object.
 */
export function upsertMetadata(
  stored: ItemMetadata,
  incoming: ReadonlyMap<string, Record<string, string>>,
  attributes: string[],
  now: Date,
): ItemMetadata {
  const customers: Record<string, Record<string, string>> = { ...stored.customers };
  for (const [id, values] of incoming) customers[id] = { ...customers[id], ...values };
  const sortedIds = Object.keys(customers).sort();
  return {
    attributes: [...new Set([...stored.attributes, ...attributes])].sort(),
    customers: Object.fromEntries(sortedIds.map((id) => [id, customers[id]])),
    updatedAt: now.toISOString(),
  };
}

/** The dataset's stored item metadata; empty (no attributes, no customers) when none was uploaded. */
export async function loadMetadata(store: ObjectStore, dataset: string): Promise<ItemMetadata> {
  const bytes = await store.get(Keys.driversMetadata(dataset));
  if (bytes === undefined) return { attributes: [], customers: {}, updatedAt: null };
  return JSON.parse(decoder.decode(bytes)) as ItemMetadata;
}

function checkAttributeNames(names: string[]): void {
  if (names.length === 0) {
    throw badRequest("invalid_header", "metadata.csv: no attribute column besides the customer column");
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (name === "" || seen.has(name) || RESERVED.has(name)) {
      throw badRequest(
        "invalid_header",
        `metadata.csv: attribute column ${JSON.stringify(name)} is ${name === "" ? "unnamed" : seen.has(name) ? "repeated" : "reserved"}`,
      );
    }
    seen.add(name);
  }
}
