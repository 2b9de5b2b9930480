// The editor's hotkeys as data: one table drives the key handling, the help overlay (?) and the
// table in docs/editor.md. Class keys (1–9 and the schema's own) are added per project.
// Pure: no DOM access.

/**
 * @typedef {object} KeyRow
 * @property {string[]} keys    key names as keys.js's keyName writes them
 * @property {string} action    what the editor runs ("tool:bbox", "undo", "class:<id>", …)
 * @property {string} label     what it does, for people
 * @property {string} group     heading in the help overlay
 */

/** @type {readonly KeyRow[]} */
export const EDITOR_KEYS = Object.freeze([
  { keys: ["v"], action: "tool:select", label: "Select, move, resize, turn; drag vertices", group: "Tools" },
  { keys: ["b"], action: "tool:bbox", label: "Bounding box", group: "Tools" },
  { keys: ["p"], action: "tool:polygon", label: "Polygon (h while a polygon is selected: draw a hole)", group: "Tools" },
  { keys: ["r"], action: "tool:rotated_box", label: "Rotated box", group: "Tools" },
  { keys: ["l"], action: "tool:polyline", label: "Polyline", group: "Tools" },
  { keys: ["i"], action: "tool:points", label: "Points", group: "Tools" },
  { keys: ["e"], action: "tool:ellipse", label: "Ellipse", group: "Tools" },
  { keys: ["k"], action: "tool:keypoints", label: "Keypoint skeleton", group: "Tools" },
  { keys: ["m"], action: "tool:brush", label: "Brush (mask)", group: "Tools" },
  { keys: ["x"], action: "tool:eraser", label: "Eraser (mask)", group: "Tools" },
  { keys: ["w"], action: "tool:assist", label: "AI assist: drag a box or click the object, Alt+click background, Enter accepts", group: "Tools" },
  { keys: ["["], action: "brushSmaller", label: "Smaller brush", group: "Tools" },
  { keys: ["]"], action: "brushLarger", label: "Larger brush", group: "Tools" },
  { keys: ["Enter"], action: "finish", label: "Finish the shape being drawn", group: "Drawing" },
  { keys: ["Escape"], action: "cancel", label: "Cancel drawing, or clear the selection", group: "Drawing" },
  { keys: ["Backspace"], action: "backspace", label: "Drawing: remove the last point; else delete", group: "Drawing" },
  { keys: ["o"], action: "occluded", label: "Keypoints: place the next node as occluded", group: "Drawing" },
  { keys: ["n"], action: "skipNode", label: "Keypoints: skip the next node (not visible)", group: "Drawing" },
  { keys: ["Delete"], action: "delete", label: "Delete the selected vertex, or the selected objects", group: "Objects" },
  { keys: ["Tab"], action: "selectNext", label: "Select the next object", group: "Objects" },
  { keys: ["Shift+Tab"], action: "selectPrev", label: "Select the previous object", group: "Objects" },
  { keys: ["Ctrl+a"], action: "selectAll", label: "Select every visible object", group: "Objects" },
  { keys: ["h"], action: "toggleHidden", label: "Hide or show the selected objects", group: "Objects" },
  { keys: ["Ctrl+c"], action: "copy", label: "Copy the selected objects (or all when none)", group: "Objects" },
  { keys: ["Ctrl+v"], action: "paste", label: "Paste copied objects", group: "Objects" },
  { keys: ["Ctrl+z"], action: "undo", label: "Undo", group: "Edit" },
  { keys: ["Ctrl+Z", "Ctrl+y"], action: "redo", label: "Redo", group: "Edit" },
  { keys: ["Ctrl+s"], action: "save", label: "Save now", group: "Edit" },
  { keys: ["Ctrl+Enter"], action: "submit", label: "Submit and go to the next item (review: accept)", group: "Edit" },
  { keys: ["f"], action: "fit", label: "Fit the image to the window", group: "View" },
  { keys: ["a"], action: "actual", label: "Actual size (1:1)", group: "View" },
  { keys: ["+", "="], action: "zoomIn", label: "Zoom in (or the mouse wheel)", group: "View" },
  { keys: ["-"], action: "zoomOut", label: "Zoom out", group: "View" },
  { keys: [","], action: "prevFrame", label: "Previous frame (animated images)", group: "View" },
  { keys: ["."], action: "nextFrame", label: "Next frame", group: "View" },
  { keys: ["Ctrl+."], action: "copyToNextFrame", label: "Copy the selected object to the next frame", group: "View" },
  { keys: ["?"], action: "help", label: "Show or hide this help", group: "View" },
]);

/** Mouse gestures, listed in the help beside the keys. */
export const POINTER_HINTS = Object.freeze([
  ["Wheel", "Zoom at the cursor"],
  ["Space + drag, middle drag", "Pan"],
  ["Shift + click, Ctrl/Cmd + click", "Add an object to the selection, or take it out (select tool, object list)"],
  ["Drag on empty image", "Select the visible, unlocked objects wholly inside the band (select tool; Shift adds to the selection)"],
  ["Drag a selected object", "Move it, or all the selected objects together (select tool)"],
  ["Shift + drag a handle", "Turn a rotated box or an ellipse (select tool)"],
  ["Shift + click on an edge", "Add a vertex (select tool)"],
  ["Alt + click on a vertex", "Delete the vertex (select tool)"],
  ["Double-click", "Finish a polygon or line"],
]);

/**
 * @typedef {object} Keymap
 * @property {Record<string, string>} bindings  key name → action
 * @property {KeyRow[]} rows                      every binding in force, for the help overlay
 */

/**
 * The bindings for a project: the fixed table, 1–9 for the first nine classes, then each
 * class's own hotkey from the schema (which wins over a fixed key it shares).
 * @param {{classes: {id: string, name: string, hotkey?: string | null}[]}} schema
 * @returns {Keymap}
 */
export function buildKeymap(schema) {
  /** @type {Record<string, string>} */
  const bindings = {};
  for (const row of EDITOR_KEYS) for (const key of row.keys) bindings[key] = row.action;
  /** @type {KeyRow[]} */
  const classRows = [];
  schema.classes.slice(0, 9).forEach((c, i) => {
    bindings[String(i + 1)] = `class:${c.id}`;
  });
  for (const c of schema.classes) if (c.hotkey) bindings[c.hotkey] = `class:${c.id}`;
  for (const c of schema.classes) {
    const keys = Object.keys(bindings).filter((k) => bindings[k] === `class:${c.id}`);
    if (keys.length) classRows.push({ keys, action: `class:${c.id}`, label: c.name, group: "Classes" });
  }
  const rows = EDITOR_KEYS
    .map((row) => ({ ...row, keys: row.keys.filter((k) => bindings[k] === row.action) }))
    .filter((row) => row.keys.length);
  return { bindings, rows: [...rows, ...classRows] };
}

/**
 * Rows grouped under their headings, in table order.
 * @param {KeyRow[]} rows
 * @returns {[string, KeyRow[]][]}
 */
export function groupRows(rows) {
  /** @type {Map<string, KeyRow[]>} */
  const groups = new Map();
  for (const row of rows) {
    if (!groups.has(row.group)) groups.set(row.group, []);
    /** @type {KeyRow[]} */ (groups.get(row.group)).push(row);
  }
  return [...groups.entries()];
}

/**
 * The key table as Markdown (docs/editor.md holds this output).
 * @returns {string}
 */
export function keysMarkdown() {
  const lines = ["| Keys | Action |", "|---|---|"];
  for (const [group, rows] of groupRows([...EDITOR_KEYS])) {
    lines.push(`| **${group}** | |`);
    for (const row of rows) lines.push(`| ${row.keys.map((k) => `\`${k === "|" ? "\\|" : k}\``).join(", ")} | ${row.label} |`);
  }
  lines.push("| **Classes** | |", "| `1`–`9` | The first nine classes of the schema |", "| a class's own hotkey | That class (wins over a fixed key it shares) |");
  for (const [gesture, what] of POINTER_HINTS) lines.push(`| ${gesture} | ${what} |`);
  return lines.join("\n");
}
