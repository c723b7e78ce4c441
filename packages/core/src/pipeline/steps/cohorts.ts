import { Keys } from "../../dataset/keys.ts";
import { loadMetadata } from "../../drivers/metadata.ts";
import { cohortCycle, cohortProfile } from "../../forecasting/cohort-profile.ts";
import type { CohortProfile } from "../../models/model.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { type Frequency, stepsBetween } from "../../series/frequency.ts";
import { seriesFromCsvBytes } from "../../series/series.ts";
import type { Manifest, ManifestCustomer } from "../manifest.ts";

/** Frequencies whose calendar cycle a short history misses: the week, or the year of months. */
const COLD_START_FREQUENCIES = new Set<Frequency>(["15min", "30min", "H", "D", "M", "Q"]);

/** Peers averaged into a cohort's profile: enough for a stable shape, few enough to read fast. */
export const COHORT_PEERS = 30;

/** Peers a cohort of matching attributes needs before it is used instead of all customers. */
export const MIN_COHORT = 3;

/**
 * Steps of history below which a customer is forecast from its cohort: two calendar cycles
 * (two weeks of hourly data, two years of monthly), what its own weekly or yearly models need.
 * Undefined for frequencies without cold start.
 */
export function coldStartSteps(frequency: Frequency): number | undefined {
  return COLD_START_FREQUENCIES.has(frequency) ? 2 * cohortCycle(frequency).period : undefined;
}

/**
 * The cohort profile of each customer whose history is too short for its own model: customers
 * with the same metadata attributes (`region=north,segment=home`), else all customers of the
 * dataset, each with enough history of its own. Empty when no customer is that short.
 */
export async function coldStartCohorts(
  store: ObjectStore,
  manifest: Manifest,
  /** The customers that need a profile (a training shard's); their peers are the whole manifest's. */
  of: readonly ManifestCustomer[] = manifest.customers,
): Promise<Map<string, CohortProfile>> {
  const out = new Map<string, CohortProfile>();
  const threshold = coldStartSteps(manifest.frequency);
  if (threshold === undefined) return out;
  const steps = (c: ManifestCustomer) =>
    stepsBetween(Date.parse(c.first), Date.parse(c.last), manifest.frequency) + 1;
  const cold = of.filter((c) => steps(c) < threshold);
  if (cold.length === 0) return out;
  const warm = manifest.customers.filter((c) => steps(c) >= threshold).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (warm.length === 0) return out;
  const { customers: attributes } = await loadMetadata(store, manifest.dataset);
  const keyOf = (id: string) =>
    Object.entries(attributes[id] ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
  const profiles = new Map<string, Promise<CohortProfile | undefined>>();
  const profileOf = (key: string, peers: ManifestCustomer[]) => {
    let profile = profiles.get(key);
    if (!profile) {
      profile = Promise.all(
        peers.slice(0, COHORT_PEERS).map(async (p) => {
          const bytes = await store.get(Keys.customerData(manifest.dataset, p.id));
          return bytes ? seriesFromCsvBytes(bytes, manifest.frequency) : undefined;
        }),
      ).then((series) =>
        cohortProfile(
          key,
          series.filter((s) => s !== undefined),
          manifest.frequency,
        ),
      );
      profiles.set(key, profile);
    }
    return profile;
  };
  // Grouped once: a dataset of 100,000 customers with a thousand newcomers stays linear.
  const byKey = new Map<string, ManifestCustomer[]>();
  for (const p of warm) {
    const key = keyOf(p.id);
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push(p);
  }
  for (const c of cold) {
    const key = keyOf(c.id);
    const peers = key ? (byKey.get(key) ?? []) : [];
    const profile =
      (peers.length >= MIN_COHORT ? await profileOf(key, peers) : undefined) ??
      (await profileOf("all", warm));
    if (profile) out.set(c.id, profile);
  }
  return out;
}
