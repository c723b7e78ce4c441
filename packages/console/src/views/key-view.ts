import { h, replace } from "../lib/dom.ts";

/**
 * Asks for an API key once per tab. `submit` checks the key against the API and resolves to
 * an error message, or null when the console can start.
 */
export function keyView(submit: (key: string) => Promise<string | null>, notice?: string): HTMLElement {
  const input = h("input", {
    id: "api-key",
    name: "key",
    type: "password",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "myr_…",
    "aria-describedby": "api-key-help",
  });
  const button = h("button", { type: "submit" }, "Open the console");
  const status = h(
    "div",
    { role: "alert", class: "form-status" },
    notice ? h("p", { class: "error-text" }, notice) : null,
  );
  const form = h(
    "form",
    {
      class: "key-form card",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        button.disabled = true;
        replace(status, "Checking the key…");
        const error = await submit(key);
        button.disabled = false;
        replace(status, error ? h("p", { class: "error-text" }, error) : null);
        if (error) input.select();
      },
    },
    h("h1", null, "Myriad"),
    h("p", null, "Per-customer forecasts: runs, models and the endpoint."),
    h("div", { class: "field" }, h("label", { for: "api-key" }, "API key"), input),
    h(
      "p",
      { id: "api-key-help", class: "muted small" },
      "The admin key is in ",
      h("code", null, "<data dir>/admin-key"),
      " (",
      h("code", null, ".myriad/admin-key"),
      " by default). A customer key opens that customer's forecast only. The key stays in this tab's session storage.",
    ),
    button,
    status,
  );
  queueMicrotask(() => input.focus());
  return h("main", { class: "key-page", id: "main" }, form);
}
