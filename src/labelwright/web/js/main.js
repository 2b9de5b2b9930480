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

/**
 * Read a JSON element of the page (the server and index.html put the app's data there).
 * @param {string} id
 * @returns {any}  null when the page lacks the element
 */
function pageData(id) {
  const text = document.getElementById(id)?.textContent;
  return text ? JSON.parse(text) : null;
}

/**
 * One route of the app, as index.html lists them.
 * @typedef {object} RouteEntry
 * @property {string} path        the pattern, e.g. "/projects/:projectId"
 * @property {string} view        the view module that shows it, from js/
 * @property {string[]} [requests]  GET requests the view makes first (started by the page)
 * @property {string[]} [images]    images the view shows first (started by the page)
 */

/**
 * The routes, from index.html, whose own script uses the same table to start a view's modules
 * and first requests with the page. Each view (and what only it uses) loads when first shown,
 * so opening the editor does not first fetch and compile the project pages, and the other way
 * round.
 * @type {Record<string, RouteEntry>}
 */
const ROUTE_TABLE = pageData("app-routes") ?? {};
const ROUTES = compileRoutes(Object.fromEntries(Object.entries(ROUTE_TABLE).map(([name, r]) => [name, r.path])));
/** @type {Record<string, string>} */
const VIEW_MODULES = Object.fromEntries(Object.entries(ROUTE_TABLE).map(([name, r]) => [name, r.view]));

/** Each view's modules beyond the shell's, as the server lists them in the page. */
const VIEW_IMPORTS = /** @type {Record<string, string[]>} */ (pageData("view-modules") ?? {});
/** Modules already preloaded, the page's own script's among them. */
const preloaded = new Set(Array.from(document.querySelectorAll('link[rel="modulepreload"]'), (l) => l.getAttribute("href")));

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
  // The page says who is signed in, unless its server could not tell: then ask.
  const session = pageData("session");
  const me = session ? Promise.resolve(/** @type {api.User | null} */ (session.user)) : api.me();
  preloadView(matchRoute(location.hash, ROUTES).name);  // while the session is checked
  try {
    setUser(await me);
  } catch (err) {
    replace(main, h("div", { class: "page" }, h("div", { class: "error-box", role: "alert" }, messageOf(err))));
    return;
  }
  window.addEventListener("hashchange", () => {
    api.dropEarly();  // the page's early requests were for the address it opened at
    render();
  });
  render();
}

start();
