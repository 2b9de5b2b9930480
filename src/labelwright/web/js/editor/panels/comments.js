// Review comments in the editor: the item's comments (open first) with resolve / reopen, their
// anchors drawn over the image (a pin for a point, a dashed rectangle for a region, a highlight
// for an object), and adding one by clicking a point, dragging a region, picking an object or
// for the whole item. Everything people wrote is set as text.

import { h, replace } from "../../dom.js";
import { messageOf } from "../../errors.js";
import { formatDate } from "../../format.js";
import { viewToImage } from "../../viewport.js";
import { anchorBounds, anchorFromDrag, anchorOnFrame, commentAt, describeAnchor, sortComments } from "../anchors.js";
import { classById } from "../schema.js";

/** @typedef {import("../anchors.js").Comment} Comment */
/** @typedef {import("../anchors.js").Anchor} Anchor */

const SVG = "http://www.w3.org/2000/svg";

/**
 * @typedef {object} CommentsApi
 * @property {() => Promise<Comment[]>} list
 * @property {(body: string, anchor: Anchor) => Promise<Comment>} add
 * @property {(id: number, status: "open" | "resolved") => Promise<Comment>} setStatus
 */

/**
 * @typedef {object} CommentsOptions
 * @property {CommentsApi} api
 * @property {(userId: number) => string} authorName
 * @property {boolean} canComment   add, resolve and reopen (people who label or review)
 */

/**
 * @typedef {object} CommentsHandle
 * @property {HTMLElement} el
 * @property {() => Promise<Comment[]>} load
 * @property {(note: string) => void} demandAttention  show the open comments prominently
 * @property {() => void} dispose
 */

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {string} [text]
 * @returns {SVGElement}
 */
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return /** @type {SVGElement} */ (el);
}

/**
 * The comments panel of one open item, wired to its workspace.
 * @param {import("../workspace.js").Workspace} ws
 * @param {CommentsOptions} o
 * @returns {CommentsHandle}
 */
export function attachComments(ws, o) {
  /** @type {Comment[]} */
  let comments = [];
  /** @type {"pin" | "object" | null} */
  let placing = null;
  /** @type {{a: {x: number, y: number}, b: {x: number, y: number}} | null} */
  let drag = null;
  /** @type {Anchor | null} */
  let draft = null;
  /** @type {number | null} */
  let focused = null;

  const boundsOf = (/** @type {string} */ id) => ws.index.bounds.get(id) ?? null;
  const frameOf = (/** @type {string} */ id) => ws.store.objects.get(id)?.frame;
  const objectName = (/** @type {string} */ id) => {
    const obj = ws.store.objects.get(id);
    return obj ? classById(ws.schema, obj.class_id)?.name ?? obj.class_id : null;
  };

  const layer = /** @type {SVGSVGElement} */ (svg("svg", { class: "comment-layer", "aria-hidden": "true" }));
  const count = h("span", { class: "badge comment-count" });
  const list = h("ol", { class: "comment-list", "aria-label": "Comments" });
  const banner = h("div", { class: "comment-attention", role: "alert", hidden: true });
  const composer = h("form", { class: "comment-composer", hidden: true, onsubmit: post });
  const modeButtons = o.canComment ? addButtons() : null;
  const el = h("section", { class: "editor-panel comments-panel", "aria-label": "Review comments" },
    h("h2", null, "Comments ", count), banner, modeButtons, composer, list);

  function addButtons() {
    /** @param {string} text @param {string} mode @param {string} title @param {() => void} fn */
    const btn = (text, mode, title, fn) => h("button", { type: "button", class: "btn small", dataset: { commentMode: mode }, title, onclick: fn }, text);
    return h("div", { class: "comment-add btn-group", role: "group", "aria-label": "Add a comment" },
      btn("Pin", "pin", "Click a point or drag a region on the image", () => startPlacing("pin")),
      btn("Object", "object", "Click an object on the image", () => startPlacing("object")),
      btn("Item", "item", "A comment about the whole item", () => compose({ kind: "item" })));
  }

  /** @param {"pin" | "object"} mode */
  function startPlacing(mode) {
    placing = mode;
    draft = null;
    composer.hidden = true;
    layer.classList.add("placing");
    for (const b of el.querySelectorAll("[data-comment-mode]")) b.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (b).dataset.commentMode === mode));
    ws.o.say(mode === "pin" ? "Click a point or drag a region for the comment (Esc cancels)" : "Click the object the comment is about (Esc cancels)");
  }

  function stopPlacing() {
    placing = null;
    drag = null;
    layer.classList.remove("placing");
    for (const b of el.querySelectorAll("[data-comment-mode]")) b.removeAttribute("aria-pressed");
    draw();
  }

  /** @param {PointerEvent} e */
  function imagePoint(e) {
    const r = ws.canvas.el.getBoundingClientRect();
    return viewToImage(ws.canvas.t, e.clientX - r.left, e.clientY - r.top);
  }

  /** @param {PointerEvent} e */
  function onDown(e) {
    if (!placing || e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    layer.setPointerCapture(e.pointerId);
    const p = imagePoint(e);
    drag = { a: p, b: p };
  }

  /** @param {PointerEvent} e */
  function onMove(e) {
    if (!placing) return;
    e.stopPropagation();
    if (!drag) return;
    drag.b = imagePoint(e);
    draw();
  }

  /** @param {PointerEvent} e */
  function onUp(e) {
    if (!placing || !drag) return;
    e.stopPropagation();
    const { a, b } = drag;
    drag = null;
    if (placing === "object") {
      const id = ws.hit(b.x, b.y);
      if (!id) {
        ws.o.say("No object there: click inside one (Esc cancels)");
        draw();
        return;
      }
      ws.store.select(id);
      compose({ kind: "object", object_id: id });
    } else compose(anchorFromDrag(a, b, ws.canvas.t.scale, ws.frame));
  }

  /** @param {Anchor} anchor */
  function compose(anchor) {
    stopPlacing();
    draft = anchor;
    const text = h("textarea", { name: "body", rows: 3, maxlength: 10_000, required: true, "aria-label": "Comment",
      placeholder: "What should change?", onkeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === "Escape") cancelCompose(); } });
    replace(composer,
      h("p", { class: "muted small" }, describeAnchor(anchor, objectName)), text,
      h("p", { class: "form-error small", role: "alert", hidden: true }),
      h("div", { class: "btn-group" },
        h("button", { type: "submit", class: "btn btn-primary small" }, "Post"),
        h("button", { type: "button", class: "btn small", onclick: cancelCompose }, "Cancel")));
    composer.hidden = false;
    text.focus();
    draw();
  }

  function cancelCompose() {
    draft = null;
    composer.hidden = true;
    draw();
    ws.canvas.el.focus({ preventScroll: true });
  }

  /** @param {SubmitEvent} e */
  async function post(e) {
    e.preventDefault();
    const text = /** @type {HTMLTextAreaElement} */ (composer.querySelector("textarea"));
    const error = /** @type {HTMLElement} */ (composer.querySelector(".form-error"));
    const submit = /** @type {HTMLButtonElement} */ (composer.querySelector("[type=submit]"));
    if (!draft || !text.value.trim()) {
      error.textContent = "Write the comment first.";
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      comments.push(await o.api.add(text.value.trim(), draft));
      cancelCompose();
      render();
      ws.o.say("Comment posted");
    } catch (err) {
      error.textContent = messageOf(err);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  }

  /** @param {Comment} c */
  async function toggleStatus(c) {
    try {
      const next = await o.api.setStatus(c.id, c.status === "open" ? "resolved" : "open");
      comments = comments.map((x) => (x.id === next.id ? next : x));
      render();
    } catch (err) {
      ws.o.say(messageOf(err));
    }
  }

  /** @param {Comment} c @param {number} n */
  function row(c, n) {
    const open = c.status === "open";
    const where = describeAnchor(c.anchor, objectName);
    const anchorObject = c.anchor.kind === "object" ? c.anchor.object_id : null;
    return h("li", {
      class: `comment-row${focused === c.id ? " focused" : ""}`, dataset: { commentId: String(c.id), status: c.status },
      onmouseenter: () => focus(c.id), onmouseleave: () => focus(null),
    },
    h("div", { class: "comment-head small" },
      h("span", { class: "comment-num", "aria-hidden": "true" }, String(n)),
      anchorObject && ws.store.objects.has(anchorObject)
        ? h("button", { type: "button", class: "link-btn", onclick: () => ws.store.select(anchorObject) }, where)
        : h("span", { class: "muted" }, where),
      h("span", { class: `badge comment-status ${open ? "is-open" : "is-resolved"}` }, open ? "open" : "resolved")),
    h("p", { class: "comment-body" }, c.body),
    h("div", { class: "comment-meta muted small" },
      h("span", null, `${o.authorName(c.author_id)} · ${formatDate(c.created_at)}`),
      o.canComment ? h("button", { type: "button", class: "btn btn-quiet small", dataset: { action: open ? "resolve" : "reopen" }, onclick: () => toggleStatus(c) }, open ? "Resolve" : "Reopen") : null));
  }

  function render() {
    const sorted = sortComments(comments);
    const open = comments.filter((c) => c.status === "open").length;
    count.textContent = open ? `${open} open` : comments.length ? "all resolved" : "none";
    count.classList.toggle("badge-muted", !open);
    replace(list, sorted.length ? sorted.map((c, i) => row(c, i + 1)) : h("li", { class: "muted small" }, "No comments on this item."));
    if (!open) banner.hidden = true;
    draw();
  }

  /** @param {number | null} id */
  function focus(id) {
    focused = id;
    for (const r of list.querySelectorAll(".comment-row")) r.classList.toggle("focused", /** @type {HTMLElement} */ (r).dataset.commentId === String(id));
    draw();
  }

  /** Redraw the anchors under the current view (cheap: comments are few). */
  function draw() {
    const t = ws.canvas.t;
    /** @param {number} x @param {number} y */
    const at = (x, y) => [t.x + x * t.scale, t.y + y * t.scale];
    layer.replaceChildren();
    sortComments(comments).forEach((c, i) => {
      if (!anchorOnFrame(c.anchor, ws.frame, frameOf)) return;
      const b = anchorBounds(c.anchor, boundsOf);
      if (!b) return;
      const cls = `${c.status === "open" ? "is-open" : "is-resolved"}${focused === c.id ? " focused" : ""}`;
      layer.append(anchorMark(c.anchor.kind, at(b.minX, b.minY), at(b.maxX, b.maxY), cls, String(i + 1), c.id));
    });
    const preview = draft ?? (drag && placing === "pin" ? anchorFromDrag(drag.a, drag.b, t.scale, ws.frame) : null);
    const pb = preview && anchorBounds(preview, boundsOf);
    if (preview && pb) layer.append(anchorMark(preview.kind, at(pb.minX, pb.minY), at(pb.maxX, pb.maxY), "draft", "+", null));
  }

  /**
   * @param {string} kind
   * @param {number[]} p0  screen top-left
   * @param {number[]} p1  screen bottom-right
   * @param {string} cls
   * @param {string} label
   * @param {number | null} id
   * @returns {SVGElement}
   */
  function anchorMark(kind, p0, p1, cls, label, id) {
    const g = svg("g", { class: `comment-mark comment-${kind} ${cls}`, ...(id === null ? {} : { "data-comment-id": id }) });
    if (kind === "point") {
      g.setAttribute("transform", `translate(${p0[0]} ${p0[1]})`);
      g.append(svg("path", { class: "pin", d: "M0 0 C-3 -6 -9 -10 -9 -16 A9 9 0 1 1 9 -16 C9 -10 3 -6 0 0 Z" }));
      g.append(svg("text", { x: 0, y: -12.5, "text-anchor": "middle" }, label));
      return g;
    }
    const pad = kind === "object" ? 4 : 0;
    g.append(svg("rect", { class: "area", x: p0[0] - pad, y: p0[1] - pad, width: Math.max(1, p1[0] - p0[0] + 2 * pad), height: Math.max(1, p1[1] - p0[1] + 2 * pad), rx: kind === "object" ? 4 : 0 }));
    g.append(svg("rect", { class: "tag", x: p0[0] - pad, y: p0[1] - pad - 16, width: 8 + 7 * label.length, height: 16, rx: 3 }));
    g.append(svg("text", { x: p0[0] - pad + 4, y: p0[1] - pad - 4 }, label));
    return g;
  }

  /** A click on the image near an anchor brings its comment into view (any tool). */
  function onStageClick(/** @type {MouseEvent} */ e) {
    if (placing) return;
    const r = ws.canvas.el.getBoundingClientRect();
    const p = viewToImage(ws.canvas.t, e.clientX - r.left, e.clientY - r.top);
    const shown = comments.filter((c) => anchorOnFrame(c.anchor, ws.frame, frameOf) && c.anchor.kind !== "object");
    const id = commentAt(shown, p.x, p.y, 10 / ws.canvas.t.scale, boundsOf);
    if (id === null) return;
    focus(id);
    list.querySelector(`[data-comment-id="${id}"]`)?.scrollIntoView({ block: "nearest" });
  }

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    if (e.key !== "Escape" || !placing) return;
    e.stopPropagation();
    stopPlacing();
    ws.o.say("No comment added");
  }

  layer.addEventListener("pointerdown", onDown);
  layer.addEventListener("pointermove", onMove);
  layer.addEventListener("pointerup", onUp);
  ws.canvas.el.append(layer);
  ws.canvas.el.addEventListener("click", onStageClick);
  document.addEventListener("keydown", onKey, true);
  ws.canvas.onView = draw;
  const stopListening = ws.store.subscribe(() => draw());
  const resized = new ResizeObserver(() => requestAnimationFrame(draw));
  resized.observe(ws.canvas.el);
  ws.side.append(el);
  render();

  return {
    el,
    async load() {
      comments = await o.api.list();
      render();
      return comments;
    },
    demandAttention(note) {
      replace(banner, h("strong", null, "Rejected in review. "), note ? h("span", null, note) : null,
        h("span", { class: "small" }, " Fix what the open comments point at, then resolve them."));
      banner.hidden = false;
      el.classList.add("attention");
      ws.side.prepend(el);
    },
    dispose() {
      document.removeEventListener("keydown", onKey, true);
      ws.canvas.el.removeEventListener("click", onStageClick);
      ws.canvas.onView = null;
      stopListening();
      resized.disconnect();
      layer.remove();
      el.remove();
    },
  };
}
