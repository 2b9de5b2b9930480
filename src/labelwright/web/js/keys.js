// Hotkeys as data: naming a key press and finding the action bound to it. Pure: no DOM access.

/**
 * The parts of a KeyboardEvent that hotkeys look at.
 * @typedef {object} KeyPress
 * @property {string} key
 * @property {boolean} [ctrlKey]
 * @property {boolean} [altKey]
 * @property {boolean} [shiftKey]
 * @property {boolean} [metaKey]
 */

/**
 * A key press as a name like "ArrowLeft", "Shift+ArrowLeft", "Ctrl+s" or "+".
 * Shift is left out for printable characters, whose `key` already shows it ("+" not "Shift+=").
 * @param {KeyPress} e
 * @returns {string}
 */
export function keyName(e) {
  const printable = e.key.length === 1;
  const key = printable ? (e.key === " " ? "Space" : e.key) : e.key;
  const mods = [];
  if (e.ctrlKey) mods.push("Ctrl");
  if (e.metaKey) mods.push("Meta");
  if (e.altKey) mods.push("Alt");
  if (e.shiftKey && !printable) mods.push("Shift");
  return [...mods, key].join("+");
}

/**
 * The action bound to a key press, or null.
 * @template {string} A
 * @param {Readonly<Record<string, A>>} bindings  key name → action
 * @param {KeyPress} e
 * @returns {A | null}
 */
export function actionFor(bindings, e) {
  const name = keyName(e);
  if (Object.hasOwn(bindings, name)) return bindings[name];
  // Letters bound in lower case also answer with Caps Lock on.
  if (name.length === 1 && Object.hasOwn(bindings, name.toLowerCase())) return bindings[name.toLowerCase()];
  return null;
}

/**
 * Whether a key press aimed at this element should be left to it (typing, not a hotkey).
 * @param {{tagName?: string, type?: string, isContentEditable?: boolean} | null} target
 * @returns {boolean}
 */
export function isTypingTarget(target) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target.type || "text").toLowerCase();
  return !["button", "checkbox", "radio", "range", "submit", "reset", "file", "color"].includes(type);
}
