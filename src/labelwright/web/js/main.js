// The app's entry: the hash router, the header, and mounting one view at a time.

import * as api from "./api.js";
import { h, notify, replace } from "./dom.js";
import { messageOf } from "./errors.js";
import { compileRoutes, hashFor, matchRoute, safeNext } from "./router.js";
import { currentUser, onUserChange, setUser } from "./session.js";
import * as notFoundView from "./views/not-found.js";

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

// Each view (and what only it uses) loads when first shown, so opening the editor does not
// first fetch and compile the project pages, and the other way round.
/** @type {Record<string, string>} */
const VIEW_MODULES = {
  signin: "views/sign-in.js",
  projects: "views/projects.js",
  projectList: "views/projects.js",
  project: "views/project.js",
  item: "views/item.js",
  editItem: "views/editor.js",
  label: "views/editor.js",
  review: "views/editor.js",
  operations: "views/operations.js",
  inbox: "views/inbox.js",
};

/** Each view's modules beyond the shell's, as the server lists them in the page. */
const VIEW_IMPORTS = /** @type {Record<string, string[]>} */ (
  JSON.parse(document.getElementById("view-modules")?.textContent || "{}"));
const preloaded = new Set();

/**
 * Start fetching every module a view needs at once: left to itself the browser would find
 * them one level of imports at a time, a round trip each.
 * @param {string} name  a route name
 */
function preloadView(name) {
  const wanted = (VIEW_IMPORTS[VIEW_MODULES[name]] ?? []).filter((href) => !preloaded.has(href));
  for (const href of wanted) preloaded.add(href);
  // One insertion for all the links: the page's head changes once, not forty times.
  document.head.append(...wanted.map((href) => Object.assign(document.createElement("link"), { rel: "modulepreload", href })));
}

/**
 * @param {string} name  a route name
 * @returns {Promise<View> | null}
 */
function loadView(name) {
  const module = VIEW_MODULES[name];
  if (!module) return null;
  preloadView(name);
  return import(`./${module}`);
}

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {{name: string, handle: ViewHandle} | null} */
let active = null;

/** Counts renders, so a view that finished loading after the user moved on is not shown. */
let renders = 0;

/** Show the view for the current location hash. */
async function render() {
  const turn = ++renders;
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
  /** @type {View} */
  let view = notFoundView;
  const loading = loadView(route.name);
  if (loading) {
    try {
      view = await loading;
    } catch (err) {
      notify(`This page could not be loaded: ${messageOf(err)}`, "error");
      return;
    }
  }
  if (turn !== renders) return;  // the location changed while the view was loading
  active?.handle.unmount?.();
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
  const me = api.me();  // asked first: every view waits for it
  preloadView(matchRoute(location.hash, ROUTES).name);  // while the session is checked
  try {
    setUser(await me);
  } catch (err) {
    replace(main, h("div", { class: "page" }, h("div", { class: "error-box", role: "alert" }, messageOf(err))));
    return;
  }
  window.addEventListener("hashchange", render);
  render();
}

start();
