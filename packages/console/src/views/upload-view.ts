import type { DatasetInfo, RunPage, UploadTicket } from "../api/types.ts";
import { href } from "../app/router.ts";
import type { View, ViewContext } from "../app/view.ts";
import { h, replace } from "../lib/dom.ts";
import { formatBytes } from "../lib/format.ts";
import { safeFileName, uploadFile } from "../upload/upload-file.ts";
import { errorNotice, pageHeading } from "./ui.ts";

/** How long to wait for the bucket event to start a run before saying so. */
const RUN_WAIT_MS = 60_000;

/** A file dropped on another page waits here until the upload page picks it up. */
let pending: File | undefined;
let active: ((file: File) => void) | undefined;

/** Hands a dropped file to the upload page (now, or when it mounts). */
export function handOverFile(file: File): void {
  if (active) active(file);
  else pending = file;
}

/**
 * Upload a data file as any client would (POST /v1/uploads, then PUT to the returned URL),
 * then follow it until its run starts and link to it. The page is one big drop target, and a
 * file dropped anywhere in the console lands here.
 */
export function uploadView(ctx: ViewContext): View {
  const dataset = h("input", {
    id: "upload-dataset",
    name: "dataset",
    value: "default",
    required: true,
    pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]*",
    list: "upload-datasets",
    autocomplete: "off",
  });
  const datalist = h("datalist", { id: "upload-datasets" });
  const input = h("input", {
    id: "upload-file",
    type: "file",
    accept: ".csv,.gz,text/csv,application/gzip",
    class: "sr-only",
    onchange: () => input.files?.[0] && void start(input.files[0]),
  });
  const log = h("ol", { class: "upload-log", "aria-live": "polite" });
  const zone = h(
    "label",
    { class: "drop-zone", for: "upload-file", id: "drop-zone" },
    h("span", { class: "drop-title" }, "Drop a .csv or .csv.gz file here"),
    h("span", { class: "muted" }, "or click to choose one"),
    h(
      "span",
      { class: "muted small" },
      "Header customer_id,timestamp,consumption (other names through the dataset's _dataset.json).",
    ),
  );
  let dragDepth = 0;
  zone.addEventListener("dragenter", (e) => {
    e.preventDefault();
    dragDepth++;
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) zone.classList.remove("over");
  });
  zone.addEventListener("dragover", (e) => e.preventDefault());
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    e.stopPropagation();
    dragDepth = 0;
    zone.classList.remove("over");
    const file = e.dataTransfer?.files[0];
    if (file) void start(file);
  });

  const el = h(
    "section",
    { class: "page upload-page" },
    pageHeading("Upload"),
    h(
      "p",
      { class: "muted" },
      "The file goes to the bucket's raw/<dataset>/ folder, which starts a run: preprocess, train one model per customer, register, publish, warm.",
    ),
    h("div", { class: "field inline" }, h("label", { for: "upload-dataset" }, "Dataset"), dataset, datalist),
    input,
    zone,
    log,
  );

  async function start(file: File): Promise<void> {
    const name = dataset.value.trim() || "default";
    const filename = safeFileName(file.name);
    const progress = h("progress", { max: file.size || 1, value: 0 });
    const status = h("span", null, "Requesting an upload URL…");
    const item = h(
      "li",
      { class: "upload-item" },
      h("strong", null, file.name),
      ` · ${formatBytes(file.size)} → ${name}`,
      h("div", null, progress, " ", status),
    );
    log.prepend(item);
    input.value = "";
    if (!filename) {
      progress.remove();
      replace(status, h("span", { class: "error-text" }, "Only .csv and .csv.gz files can be uploaded."));
      return;
    }
    // Runs already known before this upload: a re-upload of the same name must not match them.
    const before = await knownRuns(name);
    let ticket: UploadTicket;
    try {
      ticket = await uploadFile(ctx.api, {
        dataset: name,
        file,
        filename,
        onProgress: (sent, total) => {
          progress.max = total || 1;
          progress.value = sent;
          status.textContent = `Uploading ${formatBytes(sent)} of ${formatBytes(total)}…`;
        },
      });
    } catch (e) {
      progress.remove();
      replace(status, errorNotice(e, ctx.access));
      return;
    }
    progress.value = progress.max;
    replace(
      status,
      `Uploaded as `,
      h("code", null, ticket.key),
      filename !== file.name ? ` (renamed from ${file.name})` : "",
      ". Waiting for its run to start…",
    );
    const runId = await waitForRun(ticket.key, name, before);
    if (runId)
      replace(
        status,
        "Uploaded as ",
        h("code", null, ticket.key),
        ". ",
        h("a", { href: href({ name: "run", runId }), class: "run-link" }, `Run ${runId} started →`),
      );
    else
      replace(
        status,
        "Uploaded as ",
        h("code", null, ticket.key),
        ". No run has started for it yet; see ",
        h("a", { href: href({ name: "runs" }) }, "Runs"),
        ".",
      );
  }

  /** Polls the dataset's newest runs for one reading this key. */
  async function knownRuns(datasetName: string): Promise<Set<string>> {
    try {
      const page = await ctx.api.get<RunPage>("/v1/runs", { limit: 50, dataset: datasetName });
      return new Set(page.runs.map((r) => r.runId));
    } catch {
      return new Set();
    }
  }

  async function waitForRun(key: string, datasetName: string, before: Set<string>): Promise<string | null> {
    const deadline = Date.now() + RUN_WAIT_MS;
    while (Date.now() < deadline && active) {
      try {
        const page = await ctx.api.get<RunPage>("/v1/runs", { limit: 20, dataset: datasetName });
        const run = page.runs.find((r) => r.input.key === key && !before.has(r.runId));
        if (run) return run.runId;
      } catch {
        // Keep waiting; the upload itself succeeded.
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return null;
  }

  void ctx.api
    .get<{ datasets: DatasetInfo[] }>("/v1/datasets")
    .then(({ datasets }) => datalist.append(...datasets.map((d) => h("option", { value: d.dataset }))))
    .catch(() => {});

  active = (file) => void start(file);
  if (pending) {
    const file = pending;
    pending = undefined;
    queueMicrotask(() => active?.(file));
  }
  return {
    title: "Upload",
    el,
    dispose() {
      active = undefined;
    },
  };
}
