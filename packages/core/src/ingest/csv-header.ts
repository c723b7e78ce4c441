import { badRequest } from "../errors/myriad-error.ts";

export type Delimiter = "," | ";" | "\t";

/** Header names of the three columns Myriad reads (`_dataset.json` `columns`). */
export interface ColumnNames {
  customerId: string;
  timestamp: string;
  value: string;
}

/** Where the three columns sit in a row. */
export interface ColumnLayout {
  idCol: number;
  tsCol: number;
  valueCol: number;
  /** The highest of the three: a row with fewer fields lacks one. */
  maxCol: number;
}

const CANDIDATES: Delimiter[] = [",", ";", "\t"];

/**
 * The delimiter of a header line: whichever of `,` `;` and tab occurs most often outside
 * quotes (the header has no data to mislead the count). A one-column header means `,`.
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<string, number>(CANDIDATES.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: Delimiter = ",";
  for (const d of CANDIDATES) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/**
 * Finds the configured columns in a header row. Names match after trimming, case-insensitively
 * (`Customer_ID` is `customer_id`); extra columns are ignored. A missing column fails the whole
 * file: no row of it could be read.
 */
export function mapHeader(fields: string[], names: ColumnNames): ColumnLayout {
  const normalized = fields.map((f) =>
    f
      .trim()
      .replace(/^\uFEFF/, "")
      .toLowerCase(),
  );
  const find = (name: string) => normalized.indexOf(name.trim().toLowerCase());
  const idCol = find(names.customerId);
  const tsCol = find(names.timestamp);
  const valueCol = find(names.value);
  const missing = [
    idCol < 0 ? names.customerId : undefined,
    tsCol < 0 ? names.timestamp : undefined,
    valueCol < 0 ? names.value : undefined,
  ].filter((n): n is string => n !== undefined);
  if (missing.length > 0) {
    throw badRequest(
      "missing_columns",
      `header lacks column(s) ${missing.join(", ")} (found: ${fields.slice(0, 20).join(", ").slice(0, 300)}); map other names with _dataset.json "columns"`,
      { missing, found: fields.slice(0, 20) },
    );
  }
  return { idCol, tsCol, valueCol, maxCol: Math.max(idCol, tsCol, valueCol) };
}
