// The AI assist tool's prompt: a box and clicks that say which object to segment, built from
// the gestures people make, and the shape an accepted answer becomes. Pure: no DOM access.

import { boxFromCorners } from "./geometry.js";
import { CLICK_PX } from "./anchors.js";

/** @typedef {[number, number]} Pt */

/**
 * @typedef {object} Prompt
 * @property {{x: number, y: number, w: number, h: number} | null} box
 * @property {Pt[]} positive   clicks on the object
 * @property {Pt[]} negative   clicks on what is not the object (Alt+click)
 */

/**
 * @typedef {object} Segment  the server's answer
 * @property {string} model
 * @property {number} score
 * @property {{size: [number, number], counts: string}} rle
 * @property {Pt[][]} rings   first the outline, then holes
 */

/** The most clicks of each kind the server takes. */
export const MAX_CLICKS = 100;

/** @returns {Prompt} */
export const emptyPrompt = () => ({ box: null, positive: [], negative: [] });

/**
 * @param {Prompt} p
 * @returns {boolean}
 */
export const isEmpty = (p) => p.box === null && p.positive.length === 0 && p.negative.length === 0;

/** @param {number} v */
const round1 = (v) => Math.round(v * 10) / 10;

/**
 * The prompt after a gesture from `a` to `b` (image pixels): a drag starts over with that box;
 * a click adds a positive point, or a negative one with Alt. An error says why a gesture cannot
 * be used (a negative click needs something to refine first).
 * @param {Prompt} p
 * @param {{x: number, y: number}} a
 * @param {{x: number, y: number}} b
 * @param {{scale: number, alt: boolean}} how
 * @returns {{prompt: Prompt} | {error: string}}
 */
export function withGesture(p, a, b, how) {
  const dragged = Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y)) * how.scale >= CLICK_PX;
  if (dragged) {
    const box = boxFromCorners(a.x, a.y, b.x, b.y);
    if (box.w < 2 || box.h < 2) return { error: "Draw a box at least 2 pixels wide and high" };
    return { prompt: { box: { x: round1(box.x), y: round1(box.y), w: round1(box.w), h: round1(box.h) }, positive: [], negative: [] } };
  }
  /** @type {Pt} */
  const at = [round1(b.x), round1(b.y)];
  if (how.alt) {
    if (p.box === null && p.positive.length === 0) return { error: "Alt+click marks background: first drag a box or click the object" };
    if (p.negative.length >= MAX_CLICKS) return { error: `At most ${MAX_CLICKS} background clicks` };
    return { prompt: { ...p, negative: [...p.negative, at] } };
  }
  if (p.positive.length >= MAX_CLICKS) return { error: `At most ${MAX_CLICKS} clicks` };
  return { prompt: { ...p, positive: [...p.positive, at] } };
}

/**
 * The prompt without its last click (the box stays); null when no click is left to remove.
 * @param {Prompt} p
 * @param {"positive" | "negative" | null} last  which list the last click went to
 * @returns {Prompt | null}
 */
export function withoutLastClick(p, last) {
  if (last === "positive" && p.positive.length) return { ...p, positive: p.positive.slice(0, -1) };
  if (last === "negative" && p.negative.length) return { ...p, negative: p.negative.slice(0, -1) };
  return null;
}

/**
 * The body of `POST …/segment`.
 * @param {Prompt} p
 * @param {string} model
 * @returns {{model: string, box: Prompt["box"], positive: Pt[], negative: Pt[]}}
 */
export function segmentRequest(p, model) {
  return { model, box: p.box, positive: p.positive, negative: p.negative };
}

/**
 * The rings of an answer that can make a polygon (three points or more); the outline first.
 * @param {Pt[][]} rings
 * @returns {Pt[][]}
 */
export function usableRings(rings) {
  if (!Array.isArray(rings) || !rings.length || !Array.isArray(rings[0]) || rings[0].length < 3) return [];
  return rings.filter((r) => Array.isArray(r) && r.length >= 3).map((r) => r.map(([x, y]) => /** @type {Pt} */ ([x, y])));
}

/**
 * @typedef {{shape_kinds: string[]}} ClassKinds
 */

/**
 * The shape an accepted answer becomes: a polygon when the current class allows polygons, a
 * mask when it allows masks only; with a current class that allows neither, a polygon (or
 * else a mask) of the first class that does. An error when nothing can hold it.
 * @param {Segment} answer
 * @param {{current: ClassKinds | null, anyPolygon: boolean, anyMask: boolean}} classes
 * @returns {{kind: "polygon", shape: {kind: "polygon", rings: Pt[][]}} | {kind: "mask", shape: {kind: "mask", rle: Segment["rle"], instance: boolean}} | {error: string}}
 */
export function acceptedShape(answer, classes) {
  const kinds = classes.current?.shape_kinds ?? [];
  const polygon = kinds.includes("polygon") || (!kinds.includes("mask") && classes.anyPolygon);
  const mask = !polygon && (kinds.includes("mask") || classes.anyMask);
  if (polygon) {
    const rings = usableRings(answer.rings);
    if (!rings.length) return { error: "The outline is too small to make a polygon" };
    return { kind: "polygon", shape: { kind: "polygon", rings } };
  }
  if (mask) return { kind: "mask", shape: { kind: "mask", rle: answer.rle, instance: true } };
  return { error: "No class of this project allows polygons or masks" };
}
