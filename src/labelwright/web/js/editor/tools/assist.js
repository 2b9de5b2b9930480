// AI assist: drag a box or click the object (Alt+click: not the object) and the server's
// interactive model proposes its outline; more clicks refine it, Backspace takes the last one
// back, Enter accepts it as a polygon (or a mask, for classes that allow masks only) of the
// current class, as an ordinary undoable object. The assist panel runs a batch model on the
// item, or finds more objects like the selected box, and refreshes the predictions panel.

import { h } from "../../dom.js";
import { messageOf } from "../../errors.js";
import { acceptedShape, emptyPrompt, isEmpty, segmentRequest, withGesture, withoutLastClick } from "../assist-prompt.js";
import { predictionPanel } from "../panels/predictions.js";
import * as remote from "../remote.js";
import { classById } from "../schema.js";
import { drawDraftPath } from "./tool.js";

/**
 * What the tool needs from the page: the server call and the class people chose.
 * @typedef {object} AssistLink
 * @property {(request: ReturnType<typeof segmentRequest>) => Promise<import("../assist-prompt.js").Segment>} segment
 * @property {() => string} model                      the interactive model to ask
 * @property {() => {shape_kinds: string[]} | null} currentClass
 */

/** @typedef {import("./tool.js").Tool & {connect: (link: AssistLink | null) => void}} AssistTool */

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {AssistTool}
 */
export function assistTool(env) {
  let prompt = emptyPrompt();
  /** @type {("positive" | "negative")[]} which list each click went to, in order (for Backspace) */
  let clicks = [];
  /** @type {import("../assist-prompt.js").Segment | null} */
  let answer = null;
  /** @type {{x0: number, y0: number, x1: number, y1: number, alt: boolean} | null} */
  let drag = null;
  /** @type {AssistLink | null} */
  let link = null;
  let asked = 0;
  let pending = false;
  let acceptWhenReady = false;

  function clear() {
    prompt = emptyPrompt();
    answer = null;
    clicks = [];
    pending = false;
    acceptWhenReady = false;
    asked++;
    env.redraw();
  }

  async function ask() {
    if (!link) {
      env.say("AI assist is not available on this page");
      return;
    }
    const mine = ++asked;
    pending = true;
    env.say("Segmenting…");
    try {
      const got = await link.segment(segmentRequest(prompt, link.model()));
      if (mine !== asked) return;
      answer = got;
      pending = false;
      env.say("Enter accepts the outline · click adds, Alt+click removes, Backspace undoes a click · Esc clears");
      if (acceptWhenReady) accept();
    } catch (err) {
      if (mine !== asked) return;
      pending = false;
      acceptWhenReady = false;
      answer = null;
      env.say(messageOf(err));
    }
    env.redraw();
  }

  function accept() {
    acceptWhenReady = false;
    if (!answer || !link) return;
    const made = acceptedShape(answer, { current: link.currentClass(), anyPolygon: Boolean(env.classFor("polygon")), anyMask: Boolean(env.classFor("mask")) });
    if ("error" in made) {
      env.say(made.error);
      return;
    }
    if (env.create(made.kind, made.shape)) {
      clear();
      env.say(`Added a ${made.kind}: drag or click the next object`);
    }
  }

  /** @param {string} action @returns {boolean} */
  function key(action) {
    if (action === "finish") {
      if (pending) acceptWhenReady = true;
      else if (answer) accept();
      else env.say("Drag a box around an object or click it first");
      return true;
    }
    if (action === "cancel" && (!isEmpty(prompt) || drag)) {
      drag = null;
      clear();
      env.say("Cleared");
      return true;
    }
    if (action === "backspace" && !isEmpty(prompt)) {
      const fewer = withoutLastClick(prompt, clicks.at(-1) ?? null);
      if (!fewer || (fewer.box === null && fewer.positive.length === 0)) clear();
      else {
        prompt = fewer;
        clicks = clicks.slice(0, -1);
        ask();
      }
      return true;
    }
    return false;
  }

  return {
    name: "assist",
    cursor: "crosshair",
    connect(l) {
      link = l;
    },
    down(p) {
      drag = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, alt: p.alt };
    },
    move(p) {
      if (!drag) return;
      drag.x1 = p.x;
      drag.y1 = p.y;
      env.redraw();
    },
    up() {
      if (!drag) return;
      const { x0, y0, x1, y1, alt } = drag;
      drag = null;
      const next = withGesture(prompt, { x: x0, y: y0 }, { x: x1, y: y1 }, { scale: env.scale(), alt });
      if ("error" in next) {
        env.say(next.error);
        env.redraw();
        return;
      }
      if (next.prompt.box !== prompt.box) clicks = [];
      else clicks = [...clicks, next.prompt.negative.length > prompt.negative.length ? "negative" : "positive"];
      prompt = next.prompt;
      ask();
      env.redraw();
    },
    key,
    draw(ctx, scale) {
      drawAssist(ctx, scale, { prompt, answer, drag });
    },
    busy: () => drag !== null || !isEmpty(prompt),
    cancel() {
      drag = null;
      clear();
    },
  };
}

/**
 * The prompt and the proposed outline over the image.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} scale
 * @param {{prompt: import("../assist-prompt.js").Prompt, answer: import("../assist-prompt.js").Segment | null, drag: {x0: number, y0: number, x1: number, y1: number} | null}} s
 */
function drawAssist(ctx, scale, s) {
  const corners = (/** @type {number} */ x0, /** @type {number} */ y0, /** @type {number} */ x1, /** @type {number} */ y1) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  if (s.drag) drawDraftPath(ctx, scale, corners(s.drag.x0, s.drag.y0, s.drag.x1, s.drag.y1), true);
  const box = s.prompt.box;
  ctx.save();
  if (box) {
    ctx.setLineDash([4 / scale, 4 / scale]);
    ctx.lineWidth = 1 / scale;
    ctx.strokeStyle = "#ffffff";
    ctx.strokeRect(box.x, box.y, box.w, box.h);
    ctx.setLineDash([]);
  }
  if (s.answer?.rings?.length) {
    const path = new Path2D();
    for (const ring of s.answer.rings) {
      if (!ring.length) continue;
      path.moveTo(ring[0][0], ring[0][1]);
      for (const [x, y] of ring.slice(1)) path.lineTo(x, y);
      path.closePath();
    }
    ctx.fillStyle = "rgba(0, 200, 255, 0.25)";
    ctx.fill(path, "evenodd");
    ctx.lineWidth = 2 / scale;
    ctx.strokeStyle = "#00c8ff";
    ctx.stroke(path);
  }
  const r = 5 / scale;
  for (const [list, color] of /** @type {const} */ ([[s.prompt.positive, "#22c55e"], [s.prompt.negative, "#ef4444"]])) {
    for (const [x, y] of list) {
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.lineWidth = 1.5 / scale;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
  }
  ctx.restore();
}

/**
 * @typedef {object} AssistOptions
 * @property {number} projectId
 * @property {number} itemId
 * @property {remote.ModelInfo[]} models  the server's catalog
 */

/**
 * Connect the open item's assist tool to the server and add the assist panel: which
 * interactive model the tool asks, "Run model on this item" and "Find similar".
 * @param {import("../workspace.js").Workspace} ws
 * @param {AssistOptions} o
 * @returns {{el: HTMLElement, dispose: () => void}}
 */
export function attachAssist(ws, o) {
  const usable = o.models.filter((m) => m.available);
  const interactive = usable.filter((m) => m.kind === "interactive");
  const batch = usable.filter((m) => m.kind === "batch" && m.name !== "find-similar");
  const canFindSimilar = usable.some((m) => m.name === "find-similar");
  const pick = (/** @type {string} */ id, /** @type {remote.ModelInfo[]} */ list, /** @type {string} */ preferred) => h("select", { id, class: "assist-model" },
    list.map((m) => h("option", { value: m.name, selected: m.name === preferred, title: m.description }, m.name)));
  const segmentModel = pick(`assist-interactive-${o.itemId}`, interactive, "grabcut");
  const batchModel = pick(`assist-batch-${o.itemId}`, batch, "");
  const status = h("p", { class: "muted small assist-status", role: "status" });
  const runBtn = h("button", { type: "button", class: "btn small", dataset: { action: "run-model" }, disabled: !batch.length, onclick: () => run(batchModel.value) }, "Run model on this item");
  const similarBtn = h("button", { type: "button", class: "btn small", dataset: { action: "find-similar" }, disabled: !canFindSimilar, onclick: findSimilar }, "Find similar");
  const el = h("section", { class: "editor-panel assist-panel", "aria-label": "AI assist" },
    h("h2", null, "AI assist"),
    interactive.length
      ? h("div", { class: "field" }, h("label", { for: segmentModel.id }, "Outline tool (w) asks"), segmentModel)
      : h("p", { class: "muted small" }, "No interactive model is installed: the assist tool needs one (pip install 'labelwright[models]')."),
    batch.length ? h("div", { class: "field" }, h("label", { for: batchModel.id }, "Model"), batchModel) : null,
    h("div", { class: "btn-group assist-actions" }, runBtn, similarBtn), status);

  const tool = /** @type {AssistTool | undefined} */ (/** @type {unknown} */ (ws.tools.assist));
  tool?.connect({
    segment: (request) => remote.segment(o.projectId, o.itemId, request),
    model: () => segmentModel.value || "grabcut",
    currentClass: () => (ws.classId ? classById(ws.schema, ws.classId) ?? null : null),
  });

  /** @param {string} model @param {{x: number, y: number, w: number, h: number}} [example] */
  async function run(model, example) {
    runBtn.disabled = similarBtn.disabled = true;
    status.textContent = example ? "Looking for similar objects…" : `Running ${model}…`;
    try {
      const made = await remote.predict(o.projectId, o.itemId, example ? { model, example } : { model });
      const all = await remote.listPredictions(o.projectId, o.itemId);
      const found = all.find((p) => p.id === made.prediction_id)?.object_count ?? 0;
      replacePredictions(ws, all);
      status.textContent = found
        ? `${model}: ${found} object${found === 1 ? "" : "s"} proposed (see Predictions)`
        : example
          ? "Find similar kept nothing: it found no copies, or its label “object” matches no class of this project"
          : `${model} found nothing this project's classes can hold`;
    } catch (err) {
      status.textContent = messageOf(err);
    } finally {
      runBtn.disabled = !batch.length;
      similarBtn.disabled = !canFindSimilar;
    }
  }

  function findSimilar() {
    const sel = ws.store.selectedObject();
    if (!sel || sel.shape.kind !== "bbox") {
      status.textContent = "Select a box first: more objects like it are looked for";
      return;
    }
    const { x, y, w, h: height } = sel.shape;
    run("find-similar", { x, y, w, h: height });
  }

  ws.side.append(el);
  return {
    el,
    dispose() {
      tool?.connect(null);
      el.remove();
    },
  };
}

/**
 * Show a fresh list of predictions in the item's predictions panel; objects already taken
 * into the annotation (same shape) are not offered again.
 * @param {import("../workspace.js").Workspace} ws
 * @param {remote.Prediction[]} predictions
 */
export function replacePredictions(ws, predictions) {
  const have = new Set([...ws.store.objects.values()].map((obj) => JSON.stringify(obj.shape)));
  const fresh = predictions.map((p) => ({ ...p, body: { ...p.body, objects: p.body.objects.filter((obj) => !have.has(JSON.stringify(obj.shape))) } }));
  const panel = predictionPanel(fresh, ws.store, ws.schema, () => ws.frame, () => ws.readOnly, () => ws.canvas.redraw());
  ws.panels.predictions.el.replaceWith(panel.el);
  ws.panels.predictions = panel;
  panel.render();
  ws.canvas.redraw();
}
