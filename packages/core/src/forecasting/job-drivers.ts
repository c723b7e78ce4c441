import {
  type CustomerDrivers,
  customerDrivers,
  type DatasetDrivers,
  loadDatasetDrivers,
} from "../drivers/customer-drivers.ts";
import { type HolidayCalendar, holidayCalendar } from "../drivers/holidays.ts";
import type { ObjectStore } from "../ports/object-store.ts";
import type { RegularSeries } from "../series/series.ts";
import type { TrainJob } from "./train-job.ts";

/**
 * A dataset's stored drivers, loaded once per training run and process: every customer of a
 * shard shares them. The last few runs are kept (a worker may serve two datasets at once), for
 * a few minutes only: a redrive of the same run may come after the user fixed a related file.
 */
const datasetDrivers = new Map<string, { loaded: number; drivers: Promise<DatasetDrivers> }>();
const calendars = new Map<string, HolidayCalendar>();
const KEPT_RUNS = 4;
const KEPT_MS = 5 * 60_000;

/**
 * The customer's drivers over its history and the job's horizon: related fields by customer or
 * metadata attribute, and holiday flags. Undefined when the dataset has none.
 */
export async function jobDrivers(
  store: ObjectStore,
  job: TrainJob,
  series: RegularSeries,
): Promise<CustomerDrivers | undefined> {
  const key = `${job.dataset}\u0000${job.version}`;
  let cached = datasetDrivers.get(key);
  if (!cached || Date.now() - cached.loaded > KEPT_MS) {
    cached = { loaded: Date.now(), drivers: loadDatasetDrivers(store, job.dataset) };
    datasetDrivers.delete(key);
    datasetDrivers.set(key, cached);
    if (datasetDrivers.size > KEPT_RUNS) datasetDrivers.delete(datasetDrivers.keys().next().value as string);
  }
  const drivers = await cached.drivers;
  if (drivers.related.length === 0 && !job.holidays) return undefined;
  const result = customerDrivers(drivers, job.customerId, {
    frequency: series.frequency,
    start: series.start,
    length: series.values.length,
    horizon: job.horizon,
    holidays: job.holidays ? calendarFor(job) : undefined,
    related: job.related,
  });
  const fields = Object.keys(result.history.fields).length;
  return fields > 0 || result.history.holiday ? result : undefined;
}

function calendarFor(job: TrainJob): HolidayCalendar {
  const key = JSON.stringify(job.holidays);
  let calendar = calendars.get(key);
  if (!calendar) calendars.set(key, (calendar = holidayCalendar(job.holidays)));
  return calendar;
}
