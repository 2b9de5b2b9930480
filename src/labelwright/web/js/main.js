// The app's entry: the hash router, the header, and mounting one view at a time.

import * as api from "./api.js";
import { h, notify, replace } from "./dom.js";
import { messageOf } from "./errors.js";
import { compileRoutes, hashFor, matchRoute, safeNext } from "./router.js";
import { currentUser, onUserChange, setUser } from "./session.js";
import * as editorView from "./views/editor.js";
import * as inboxView from "./views/inbox.js";
import * as itemView from "./views/item.js";
import * as notFoundView from "./views/not-found.js";
import * as operationsView from "./views/operations.js";
import * as projectView from "./views/project.js";
import * as projectsView from "./views/projects.js";
import * as signInView from "./views/sign-in.js";

/**
 * What a view's mount returns.
 * @typedef {object} ViewHandle
 * @property {() => void} [unmount]  stop timers, observers and listeners
 * @property {(route: import("./router.js").Route) => boolean} [update]
 *   take a new route of the same name in place; false to be mounted afresh
 */

/**
 * @typedef {object} View
 * @property {(root: HTMLElement, route: import("./router.js").Route) => ViewHandle | void} mount
 */

const ROUTES = compileRoutes({
  signin: "/signin",
  projects: "/",
  projectList: "/projects",
  project: "/projects/:projectId",
  item: "/projects/:projectId/items/:itemId",
  editItem: "/projects/:projectId/items/:itemId/edit",
  label: "/projects/:projectId/label",
  review: "/projects/:projectId/review",
  operations: "/projects/:projectId/operations",
  inbox: "/inbox",
});

/** @type {Record<string, View>} */
const VIEWS = {
  signin: signInView,
  projects: projectsView,
  projectList: projectsView,
  project: projectView,
  item: itemView,
  editItem: editorView,
  label: editorView,
  review: editorView,
  operations: operationsView,
  inbox: inboxView,
  notfound: notFoundView,
};

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {{name: string, handle: ViewHandle} | null} */
let active = null;

/** Show the view for the current location hash. */
function render() {
  const route = matchRoute(location.hash, ROUTES);
  if (route.name !== "signin" && !currentUser()) {
    location.replace(hashFor("/signin", { next: location.hash || "#/" }));
    return;
  }
  if (route.name === "signin" && currentUser()) {
    location.replace(safeNext(route.query.next));
    return;
  }
  if (active && active.name === route.name && active.handle.update?.(route)) return;
  active?.handle.unmount?.();
  const view = VIEWS[route.name] ?? notFoundView;
  main.replaceChildren();
  main.className = `view-${route.name}`;
  window.scrollTo(0, 0);
  const handle = view.mount(main, route) ?? {};
  active = { name: route.name, handle };
}

/** Draw the account part of the header. */
function renderHeader() {
  const nav = /** @type {HTMLElement} */ (document.getElementById("header-user"));
  const user = currentUser();
  if (!user) {
    nav.replaceChildren();
    return;
  }
  replace(nav,
    h("a", { class: "btn btn-quiet", href: "#/inbox" }, "Inbox"),
    h("span", { class: "header-name", title: user.username },
      user.display_name || user.username,
      user.is_admin && h("span", { class: "badge badge-muted" }, "admin")),
    h("button", { type: "button", class: "btn btn-quiet", onclick: signOut }, "Sign out"));
}

async function signOut() {
  try {
    await api.logout();
  } catch (err) {
    notify(messageOf(err), "error");
  }
  setUser(null);
  location.hash = "#/signin";
}

async function start() {
  api.onUnauthorized(() => {
    if (!currentUser()) return;
    setUser(null);
    notify("Your session has ended. Please sign in again.");
    location.hash = hashFor("/signin", { next: location.hash });
  });
  onUserChange(renderHeader);
  try {
    setUser(await api.me());
  } catch (err) {
    replace(main, h("div", { class: "page" }, h("div", { class: "error-box", role: "alert" }, messageOf(err))));
    return;
  }
  window.addEventListener("hashchange", render);
  render();
}

start();
