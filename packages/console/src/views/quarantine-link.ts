import { type ApiClient, seg } from "../api/client.ts";
import { h } from "../lib/dom.ts";
import { formatCount } from "../lib/format.ts";

/**
 * A link that downloads a run's quarantined rows (CSV `line,reason,row`). The API wants the key
 * in a header, which a plain link cannot send, so the click fetches the file and hands the
 * bytes to the browser as a download.
 */
export function quarantineLink(api: ApiClient, runId: string, rows: number | undefined): HTMLElement {
  const status = h("span", { class: "muted small", role: "status" });
  const label =
    rows === undefined
      ? "Download the quarantined rows (CSV)"
      : `Download the ${formatCount(rows)} quarantined row${rows === 1 ? "" : "s"} (CSV)`;
  const link = h(
    "a",
    {
      href: `/v1/runs/${seg(runId)}/quarantine`,
      class: "quarantine-download",
      onclick: (event: Event) => {
        event.preventDefault();
        status.textContent = " Downloading…";
        api
          .download(`/v1/runs/${seg(runId)}/quarantine`)
          .then(({ blob, filename }) => {
            saveBlob(blob, filename ?? `quarantine-${runId}.csv`);
            status.textContent = "";
          })
          .catch((e: Error) => {
            status.textContent = ` Could not download it: ${e.message}`;
          });
      },
    },
    label,
  );
  return h("p", { class: "quarantine-link" }, link, status);
}

function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later, not at once: the browser may still be reading the bytes into the download.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
