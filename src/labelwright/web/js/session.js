// Who is signed in, shared by the views and the header.

/** @type {import("./api.js").User | null} */
let current = null;
/** @type {Set<(user: import("./api.js").User | null) => void>} */
const listeners = new Set();

/** @returns {import("./api.js").User | null} */
export function currentUser() {
  return current;
}

/** @param {import("./api.js").User | null} user */
export function setUser(user) {
  current = user;
  for (const fn of listeners) fn(user);
}

/**
 * Call `fn` whenever the signed-in user changes.
 * @param {(user: import("./api.js").User | null) => void} fn
 * @returns {() => void} stop listening
 */
export function onUserChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
