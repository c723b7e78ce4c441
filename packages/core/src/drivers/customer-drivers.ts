import type { Drivers } from "../models/model.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import type { Frequency } from "../series/frequency.ts";
import type { HolidaySpec, RelatedConfig } from "./dataset-drivers-config.ts";
import { type HolidayCalendar, holidayFlags } from "./holidays.ts";
import { type ItemMetadata, loadMetadata } from "./metadata.ts";
import { alignField, loadAllRelated, type RelatedSeries } from "./related-store.ts";

/** The grid a customer's drivers are laid on: the history's steps, then the horizon's. */
export interface DriverGrid {
  frequency: Frequency;
  /** Epoch ms (UTC) of the first history step (a bucket start of `frequency`). */
  start: number;
  /** History steps. */
  length: number;
  /** Forecast steps after the history. */
  horizon: number;
  /** `_dataset.json` `holidays`, or a calendar built once for many customers; absent: no flags. */
  holidays?: HolidaySpec | HolidayCalendar;
  /** `_dataset.json` `related`: `fields` narrows the fields used. */
  related?: RelatedConfig;
}

/** Where a field's values came from for one customer, and how much of the grid they cover. */
export interface FieldCoverage {
  /** `<related name>:customer_id` or `<related name>:<attribute>=<value>`, in priority order. */
  sources: string[];
  /** Known (not NaN) steps in the history and in the horizon. */
  history: number;
  future: number;
  /** False when the field is left out: it does not cover the whole horizon, or has no history. */
  used: boolean;
}

export interface CustomerDrivers {
  /** Drivers over the history's `length` steps (FitInput.drivers). */
  history: Drivers;
  /** Drivers over the `horizon` steps (ForecastModel.predict's `future`). */
  future: Drivers;
  coverage: { fields: Record<string, FieldCoverage>; holidays: boolean };
  /** Fields left out of `history` and `future`, sorted: a model must not use them. */
  missing: string[];
}

/** A dataset's metadata and related series, loaded once for all its customers. */
export interface DatasetDrivers {
  metadata: ItemMetadata;
  related: RelatedSeries[];
}

export async function loadDatasetDrivers(store: ObjectStore, dataset: string): Promise<DatasetDrivers> {
  const [metadata, related] = await Promise.all([
    loadMetadata(store, dataset),
    loadAllRelated(store, dataset),
  ]);
  return { metadata, related };
}

/** {@link customerDrivers} after loading the dataset's drivers (for one customer; load once for many). */
export async function loadCustomerDrivers(
  store: ObjectStore,
  dataset: string,
  customerId: string,
  grid: DriverGrid,
): Promise<CustomerDrivers> {
  return customerDrivers(await loadDatasetDrivers(store, dataset), customerId, grid);
}

/**
 * A customer's drivers on `grid` ([start, start + length + horizon) steps), split into history
 * and future. Each field of each related series reaches the customer through the series' key
 * column: its own id for a `customer_id`-keyed series, else the value of the customer's
 * metadata attribute named like the key column (every customer of region `north` gets the
 * `north` series). When several related series give the same field, a customer-keyed one wins
 * step by step and attribute-keyed ones fill its unknown steps. Series are re-gridded to the
 * grid's frequency with the field's aggregation when they were stored at another one.
 *
 * A field is left out (listed in `missing`) when a step of the horizon is unknown, or no step
 * of the history is: a model fitted on it could not forecast. A field named in
 * `related.fields` that no series gives this customer is missing too. Unknown history steps
 * stay NaN. Holiday flags cover the whole grid when `grid.holidays` is set.
 */
export function customerDrivers(
  drivers: DatasetDrivers,
  customerId: string,
  grid: DriverGrid,
): CustomerDrivers {
  const total = grid.length + grid.horizon;
  const attributes = drivers.metadata.customers[customerId] ?? {};
  const wanted = grid.related?.fields === undefined ? undefined : new Set(grid.related.fields);
  const sources = drivers.related
    .map((r) => ({ r, keyValue: r.keyColumn === "customer_id" ? customerId : attributes[r.keyColumn] }))
    .filter((s): s is { r: RelatedSeries; keyValue: string } => s.keyValue !== undefined)
    .sort((a, b) => rank(a.r) - rank(b.r));

  const combined: Record<string, Float64Array> = {};
  const coverage: Record<string, FieldCoverage> = {};
  for (const { r, keyValue } of sources) {
    const series = r.series.get(keyValue);
    if (series === undefined) continue;
    for (const [field, values] of Object.entries(series.fields)) {
      if (wanted !== undefined && !wanted.has(field)) continue;
      const aligned = alignField(
        values,
        series.start,
        r.frequency,
        grid.start,
        grid.frequency,
        total,
        r.aggregation[field] ?? "mean",
      );
      const target = combined[field];
      if (target === undefined) combined[field] = aligned;
      else for (let i = 0; i < total; i++) if (Number.isNaN(target[i])) target[i] = aligned[i];
      coverage[field] ??= { sources: [], history: 0, future: 0, used: false };
      coverage[field].sources.push(
        r.keyColumn === "customer_id" ? `${r.name}:customer_id` : `${r.name}:${r.keyColumn}=${keyValue}`,
      );
    }
  }

  const history: Drivers = { fields: {} };
  const future: Drivers = { fields: {} };
  const missing: string[] = [];
  for (const [field, values] of Object.entries(combined)) {
    const c = coverage[field];
    for (let i = 0; i < total; i++) {
      if (Number.isNaN(values[i])) continue;
      if (i < grid.length) c.history++;
      else c.future++;
    }
    c.used = c.history > 0 && c.future === grid.horizon;
    if (!c.used) {
      missing.push(field);
      continue;
    }
    history.fields[field] = values.slice(0, grid.length);
    future.fields[field] = values.slice(grid.length);
  }
  for (const field of wanted ?? []) {
    if (combined[field] === undefined) {
      missing.push(field);
      coverage[field] = { sources: [], history: 0, future: 0, used: false };
    }
  }

  if (grid.holidays !== undefined) {
    const flags = holidayFlags(grid.holidays, grid.start, grid.frequency, total);
    history.holiday = flags.slice(0, grid.length);
    future.holiday = flags.slice(grid.length);
  }
  return {
    history,
    future,
    coverage: { fields: coverage, holidays: grid.holidays !== undefined },
    missing: missing.sort(),
  };
}

/** Customer-keyed series first: they describe this customer, not its region. */
function rank(r: RelatedSeries): number {
  return r.keyColumn === "customer_id" ? 0 : 1;
}
