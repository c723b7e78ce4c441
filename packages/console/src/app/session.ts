import { type ApiClient, ApiError } from "../api/client.ts";
import type { CustomerPage, DatasetInfo } from "../api/types.ts";

/** The same sessionStorage entry as the API's /docs page, so one key serves both. */
const STORAGE_KEY = "myriad-key";

/** What the key may read: everything, or one customer. */
export type Access = { kind: "admin" } | { kind: "customer"; dataset: string; customerId: string };

/** The key lives in sessionStorage: this tab only, gone when it closes, never in a URL. */
export function loadKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function saveKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Finds out what a key may read by asking, since the API has no "who am I" route: the run list
 * is admin-only, so 200 means admin; 403 means a customer key, whose customer is the only one
 * the dataset routes show it. A 401 (unknown key) is rethrown for the caller to report.
 */
export async function detectAccess(api: ApiClient): Promise<Access> {
  try {
    await api.get("/v1/runs", { limit: 1 });
    return { kind: "admin" };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
  }
  const { datasets } = await api.get<{ datasets: DatasetInfo[] }>("/v1/datasets");
  for (const { dataset } of datasets) {
    const page = await api.get<CustomerPage>(`/v1/datasets/${encodeURIComponent(dataset)}/customers`, {
      limit: 1,
    });
    const customer = page.customers[0];
    if (customer) return { kind: "customer", dataset, customerId: customer.customerId };
  }
  throw new ApiError(403, "no_customer", "this key is scoped to a customer that has no data yet");
}
