import { ApiError } from "../api/client.ts";
import type { DriftFlag, RunStatus } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { Access } from "../app/session.ts";
import { type Child, h } from "../lib/dom.ts";

const RUN_STATUS_LABELS: Record<RunStatus, string> = {
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  TIMED_OUT: "Timed out",
  ABORTED: "Aborted",
};

/** A status pill; colour comes from `data-status` in CSS, and the word is always written out. */
export function statusBadge(
  status: string,
  label = RUN_STATUS_LABELS[status as RunStatus] ?? status,
): HTMLElement {
  return h("span", { class: "badge", "data-status": status }, label);
}

/**
 * A drift verdict as a pill: "Drifted" (the failure colour), "No drift", or "Not scored" before
 * any actuals came in; the reason, with its numbers, is the tooltip.
 */
export function driftBadge(drift: DriftFlag | null): HTMLElement {
  const [state, status, label] = !drift
    ? ["unscored", "NOT_RUN", "Not scored"]
    : drift.flagged
      ? ["drifted", "FAILED", "Drifted"]
      : ["steady", "SUCCEEDED", "No drift"];
  return h(
    "span",
    {
      class: "badge drift-badge",
      "data-status": status,
      "data-drift": state,
      title: drift?.reason ?? "No published forecast has been scored against later actuals yet",
    },
    label,
  );
}

/** The page heading; focused after navigation so screen readers announce the new page. */
export function pageHeading(text: string, ...extra: Child[]): HTMLElement {
  return h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, text), ...extra);
}

/** A definition list of label/value pairs; values that are absent are left out. */
export function facts(entries: [string, Child][]): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    entries
      .filter(([, v]) => v !== null && v !== undefined && v !== false)
      .map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v))),
  );
}

/**
 * An error as a sentence for people. A 403 is expected for a customer key on admin pages, so it
 * explains the key's reach and links to what the key can read instead of showing a failure.
 */
export function errorNotice(error: unknown, access: Access): HTMLElement {
  if (error instanceof ApiError && error.status === 403) {
    return h(
      "div",
      { class: "notice notice-info", role: "status" },
      h(
        "p",
        null,
        "This page needs an admin key. ",
        access.kind === "customer"
          ? `The key in use reads only customer ${access.customerId} of ${access.dataset}. `
          : "",
      ),
      access.kind === "customer"
        ? h(
            "p",
            null,
            h(
              "a",
              { href: href({ name: "customer", dataset: access.dataset, customerId: access.customerId }) },
              "Go to your forecast",
            ),
          )
        : h("p", null, error.message),
    );
  }
  const text =
    error instanceof ApiError
      ? error.status === 0
        ? `Cannot reach the API: ${error.message}`
        : `${error.message} (${error.status} ${error.code})`
      : `Something went wrong: ${(error as Error)?.message ?? String(error)}`;
  return h("div", { class: "notice notice-error", role: "alert" }, text);
}

/** A cell that says there is nothing yet, and what to do about it. */
export function emptyRow(columns: number, ...text: Child[]): HTMLTableRowElement {
  return h("tr", { class: "empty" }, h("td", { colspan: columns }, ...text));
}

/**
 * Sets a cell's content only when it changed, so polling does not recreate links under the
 * user's pointer or take keyboard focus away from them.
 */
export function setCell(cell: HTMLElement, content: Child): void {
  const scratch = h("td", null, content);
  if (scratch.innerHTML !== cell.innerHTML) cell.replaceChildren(...scratch.childNodes);
}

/** Text only screen readers read. */
export const srOnly = (text: string) => h("span", { class: "sr-only" }, text);

/** Errors that polling again will not fix: the key may not read this, or it no longer exists. */
export function isFinal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404);
}
