import { h } from "../lib/dom.ts";
import { href, type Route } from "./router.ts";
import type { Access } from "./session.ts";
import type { View } from "./view.ts";

export interface Shell {
  show(view: View, route: Route): void;
}

type Section = "runs" | "customers" | "endpoint" | "upload";

function sectionOf(route: Route): Section | null {
  switch (route.name) {
    case "runs":
    case "run":
      return "runs";
    case "datasets":
    case "fleet":
    case "customers":
    case "customer":
      return "customers";
    case "endpoint":
      return "endpoint";
    case "upload":
      return "upload";
    default:
      return null;
  }
}

/**
 * The page frame: a skip link, the header with navigation (admin pages only for an admin key)
 * and the key in use, and the main region pages render into.
 */
export function mountShell(root: HTMLElement, access: Access, onForget: () => void): Shell {
  const links: [Section, string, string][] =
    access.kind === "admin"
      ? [
          ["runs", "Runs", href({ name: "runs" })],
          ["customers", "Customers", href({ name: "datasets" })],
          ["endpoint", "Endpoint", href({ name: "endpoint" })],
          ["upload", "Upload", href({ name: "upload" })],
        ]
      : [
          [
            "customers",
            "Forecast",
            href({ name: "customer", dataset: access.dataset, customerId: access.customerId }),
          ],
        ];
  const navLinks = links.map(([section, label, target]) => ({ section, a: h("a", { href: target }, label) }));
  const main = h("main", { id: "main", tabindex: -1 });
  const skip = h(
    "a",
    {
      class: "skip-link",
      href: "#main",
      // The hash is the router's: move focus instead of navigating.
      onclick: (e: Event) => {
        e.preventDefault();
        main.focus();
      },
    },
    "Skip to content",
  );
  const who = access.kind === "admin" ? "Admin key" : `Customer key · ${access.dataset}/${access.customerId}`;
  const header = h(
    "header",
    { class: "top" },
    h(
      "a",
      { class: "brand", href: "#/" },
      h("span", { class: "logo", "aria-hidden": "true" }, "M"),
      "Myriad",
    ),
    h(
      "nav",
      { "aria-label": "Main" },
      h(
        "ul",
        null,
        navLinks.map((l) => h("li", null, l.a)),
      ),
    ),
    h(
      "div",
      { class: "who" },
      h("span", { class: "muted small" }, who),
      h("button", { type: "button", class: "secondary small", onclick: onForget }, "Forget key"),
    ),
  );
  root.replaceChildren(skip, header, main);

  return {
    show(view, route) {
      const section = sectionOf(route);
      for (const l of navLinks) {
        if (l.section === section) l.a.setAttribute("aria-current", "page");
        else l.a.removeAttribute("aria-current");
      }
      main.replaceChildren(view.el);
      document.title = `${view.title} · Myriad`;
      // Move focus to the new page's heading so keyboard and screen-reader users start there.
      const heading = view.el.querySelector<HTMLElement>("h1");
      heading?.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    },
  };
}
