import { ApiError, createApiClient } from "./api/client.ts";
import { href, parseRoute, type Route } from "./app/router.ts";
import { type Access, clearKey, detectAccess, loadKey, saveKey } from "./app/session.ts";
import { mountShell, type Shell } from "./app/shell.ts";
import type { View, ViewContext } from "./app/view.ts";
import { h } from "./lib/dom.ts";
import { customerView } from "./views/customer-view.ts";
import { customersView } from "./views/customers-view.ts";
import { datasetsView } from "./views/datasets-view.ts";
import { endpointView } from "./views/endpoint-view.ts";
import { fleetView } from "./views/fleet-view.ts";
import { keyView } from "./views/key-view.ts";
import { runView } from "./views/run-view.ts";
import { runsView } from "./views/runs-view.ts";
import { pageHeading } from "./views/ui.ts";
import { handOverFile, uploadView } from "./views/upload-view.ts";

const root = document.getElementById("app")!;
let current: View | undefined;

function viewFor(route: Route, ctx: ViewContext): View {
  switch (route.name) {
    case "runs":
      return runsView(ctx);
    case "run":
      return runView(ctx, route.runId);
    case "datasets":
      return datasetsView(ctx);
    case "fleet":
      return fleetView(ctx, route.dataset);
    case "customers":
      return customersView(ctx, route);
    case "customer":
      return customerView(ctx, route.dataset, route.customerId);
    case "endpoint":
      return endpointView(ctx);
    case "upload":
      return uploadView(ctx);
    default:
      return {
        title: "Not found",
        el: h(
          "section",
          { class: "page" },
          pageHeading("Page not found"),
          h("p", null, "No page at this address. ", h("a", { href: "#/" }, "Go to the start page"), "."),
        ),
      };
  }
}

/** Where `#/` leads: the run list for an admin, the customer's own page for a customer key. */
function homeOf(access: Access): Route {
  return access.kind === "admin"
    ? { name: "runs" }
    : { name: "customer", dataset: access.dataset, customerId: access.customerId };
}

function startConsole(key: string, access: Access): void {
  const ctx: ViewContext = {
    api: createApiClient(key),
    access,
    navigate: (route) => {
      location.hash = href(route);
    },
  };
  const shell: Shell = mountShell(root, access, () => {
    clearKey();
    dropAccess = undefined;
    current?.dispose?.();
    current = undefined;
    window.removeEventListener("hashchange", render);
    history.replaceState(null, "", location.pathname);
    showKeyScreen();
  });

  function render(): void {
    const route = parseRoute(location.hash);
    if (route.name === "home") {
      history.replaceState(null, "", href(homeOf(access)));
      render();
      return;
    }
    current?.dispose?.();
    current = viewFor(route, ctx);
    shell.show(current, route);
  }

  window.addEventListener("hashchange", render);
  render();
  dropAccess = access;
}

/** What the key in use may do with a dropped file; undefined on the key screen. */
let dropAccess: Access | undefined;

// A file dropped anywhere goes to the upload page instead of replacing the console in the tab.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  if (!file || dropAccess?.kind !== "admin") return;
  handOverFile(file);
  if (parseRoute(location.hash).name !== "upload") location.hash = href({ name: "upload" });
});

async function tryKey(key: string): Promise<string | null> {
  try {
    const access = await detectAccess(createApiClient(key));
    saveKey(key);
    startConsole(key, access);
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401)
      return "The API does not know this key (or it was revoked).";
    if (e instanceof ApiError) return e.message;
    return `Could not check the key: ${(e as Error).message}`;
  }
}

function showKeyScreen(notice?: string): void {
  document.title = "Sign in · Myriad";
  root.replaceChildren(keyView(tryKey, notice));
}

async function boot(): Promise<void> {
  const key = loadKey();
  if (!key) return showKeyScreen();
  const error = await tryKey(key);
  if (error) {
    clearKey();
    showKeyScreen(error);
  }
}

void boot();
