// The keypoint skeleton of a class: named nodes, the edges drawn between them, and the
// left/right pairs that swap when an image is mirrored.

import { h } from "../dom.js";
import { removeSkeletonNode } from "../schema-model.js";
import { addButton, removeButton, textInput } from "./schema-forms.js";

/**
 * @param {import("./schema-forms.js").FormContext} ctx
 * @param {import("../schema-model.js").Skeleton} skeleton
 * @param {string} path
 * @returns {HTMLElement}
 */
export function skeletonForm(ctx, skeleton, path) {
  const nodes = h("ol", { class: "option-list node-list", id: ctx.idFor(`${path}.nodes`) },
    skeleton.nodes.map((name, i) => h("li", null,
      textInput(ctx, `${path}.nodes.${i}`, name, (v) => { skeleton.nodes[i] = v; },
        { maxlength: 100, "aria-label": `Node ${i + 1}`, placeholder: "e.g. left_wrist" }),
      removeButton(ctx, `Remove node ${name || i + 1}`, () => removeSkeletonNode(skeleton, i)),
      ctx.slot(`${path}.nodes.${i}`))),
    h("li", null, addButton(ctx, "Node", () => skeleton.nodes.push(""))));
  return h("fieldset", { class: "sub-form" },
    h("legend", null, "Keypoint skeleton"),
    ctx.field(`${path}.nodes`, "Nodes", nodes),
    pairList(ctx, skeleton, "edges", `${path}.edges`, "Edges (lines drawn between nodes)", "Edge"),
    pairList(ctx, skeleton, "symmetric_pairs", `${path}.symmetric_pairs`, "Symmetric pairs (left/right, swapped when mirrored)", "Pair"));
}

/**
 * @param {import("./schema-forms.js").FormContext} ctx
 * @param {import("../schema-model.js").Skeleton} skeleton
 * @param {"edges" | "symmetric_pairs"} key
 * @param {string} path
 * @param {string} label
 * @param {string} noun
 * @returns {HTMLElement}
 */
function pairList(ctx, skeleton, key, path, label, noun) {
  const pairs = skeleton[key];
  const canPair = skeleton.nodes.length >= 2;
  return ctx.field(path, label, h("ul", { class: "option-list", id: ctx.idFor(path) },
    pairs.map((pair, i) => h("li", null,
      nodeSelect(ctx, skeleton, pair, 0, `${path}.${i}.0`, `${noun} ${i + 1}, first node`),
      h("span", { "aria-hidden": "true" }, key === "edges" ? "—" : "↔"),
      nodeSelect(ctx, skeleton, pair, 1, `${path}.${i}.1`, `${noun} ${i + 1}, second node`),
      removeButton(ctx, `Remove ${noun.toLowerCase()} ${i + 1}`, () => pairs.splice(i, 1)),
      ctx.slot(`${path}.${i}`))),
    canPair && h("li", null, addButton(ctx, noun, () => pairs.push(firstFreePair(skeleton.nodes.length, pairs))))));
}

/**
 * @param {import("./schema-forms.js").FormContext} ctx
 * @param {import("../schema-model.js").Skeleton} skeleton
 * @param {[number, number]} pair
 * @param {0 | 1} side
 * @param {string} path
 * @param {string} label
 * @returns {HTMLSelectElement}
 */
function nodeSelect(ctx, skeleton, pair, side, path, label) {
  const select = h("select", {
    id: ctx.idFor(path), "aria-label": label,
    onchange: () => { pair[side] = Number(select.value); ctx.changed(); },
  }, skeleton.nodes.map((name, i) => h("option", { value: String(i) }, name || `node ${i + 1}`)));
  select.value = String(pair[side]);
  return select;
}

/**
 * The first pair of distinct nodes not listed yet (or 0-1 when all are).
 * @param {number} count
 * @param {Array<[number, number]>} pairs
 * @returns {[number, number]}
 */
function firstFreePair(count, pairs) {
  const used = new Set(pairs.map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`));
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) if (!used.has(`${a}-${b}`)) return [a, b];
  }
  return [0, 1];
}
