import type { ApiClient } from "../api/client.ts";
import type { Route } from "./router.ts";
import type { Access } from "./session.ts";

/** What every page gets: the API with the key, what the key may read, and navigation. */
export interface ViewContext {
  api: ApiClient;
  access: Access;
  navigate(route: Route): void;
}

/** A mounted page. `dispose` stops its polling and charts when the user leaves it. */
export interface View {
  title: string;
  el: HTMLElement;
  dispose?(): void;
}
