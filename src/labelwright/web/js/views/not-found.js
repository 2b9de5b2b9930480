// The page for an address the app does not know.

import { h } from "../dom.js";

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 */
export function mount(root, route) {
  document.title = "Not found · Labelwright";
  root.append(h("div", { class: "page narrow" },
    h("h1", null, "Page not found"),
    h("p", { class: "muted" }, `Nothing lives at ${route.path}.`),
    h("p", null, h("a", { href: "#/" }, "Go to your projects"))));
}
