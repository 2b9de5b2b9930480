// The annotation editor page: one item by id ("Open in editor"), the annotate queue ("Start
// labeling": lease, heartbeats, submit → next) or the review queue (accept / reject / fix).

import { ActiveTime } from "../active-time.js";
import * as api from "../api.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { ApiError, messageOf } from "../errors.js";
import { actionFor, isTypingTarget, keyName } from "../keys.js";
import { hashFor } from "../router.js";
import { statusText } from "../editor/autosave.js";
import { buildKeymap } from "../editor/hotkeys.js";
import { helpDialog } from "../editor/panels/help.js";
import * as remote from "../editor/remote.js";
import { normaliseSchema } from "../editor/schema.js";
import { attachAssist } from "../editor/tools/assist.js";
import { decodedImage, Workspace } from "../editor/workspace.js";
import { currentUser } from "../session.js";

/** @typedef {"item" | "annotate" | "review"} Mode */

/** The input that counts as editing time. */
const ACTIVITY_EVENTS = Object.freeze(["pointerdown", "pointermove", "keydown", "wheel"]);

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 * @returns {import("../main.js").ViewHandle}
 */
export function mount(root, route) {
  const projectId = Number(route.params.projectId);
  /** @type {Mode} */
  const mode = route.name === "label" ? "annotate" : route.name === "review" ? "review" : "item";
  /** @type {Workspace | null} */
  let ws = null;
  /** @type {remote.Lease | null} */
  let lease = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let heartbeatTimer;
  let alive = true;
  /** @type {import("../editor/hotkeys.js").Keymap | null} */
  let keymap = null;
  /** @type {HTMLDialogElement | null} */
  let help = null;
  /** @type {{dispose: () => void}[]} comments and assist panels of the open item */
  let extras = [];
  /** @type {Access | null} */
  let who = null;
  // Asked for once the first item is open: the server answers the calls the first paint
  // waits for (item, schema, annotation, image) before these.
  /** @type {Promise<Access> | null} */
  let accessAsked = null;
  const access = () => (accessAsked ??= loadAccess());
  /** @type {Promise<import("../editor/remote.js").ModelInfo[]> | null} */
  let modelsAsked = null;
  const models = () => (modelsAsked ??= remote.listModels().catch(() => []));
  const activity = new ActiveTime();

  const title = h("h1", { class: "editor-title" }, mode === "review" ? "Review" : "Editor");
  const status = h("span", { class: "save-status small", role: "status", dataset: { status: "saved" } });
  const message = h("span", { class: "editor-message small muted", "aria-live": "polite" });
  const actions = h("div", { class: "btn-group" });
  const bar = h("div", { class: "editor-bar" },
    h("a", { class: "btn btn-quiet", href: hashFor(`/projects/${projectId}`) }, "← Project"),
    title, status, message, actions);
  const body = h("div", { class: "editor-body" }, spinner("Loading…"));
  root.append(h("div", { class: "editor-view" }, bar, body));

  /** @param {string} text */
  function say(text) {
    message.textContent = text;
  }

  /** @param {import("../editor/autosave.js").SaveState} s */
  function showSaveState(s) {
    status.textContent = statusText(s);
    status.dataset.status = s.status;
  }

  /** @param {string} text @param {string} action @param {() => void} fn @param {string} [cls] */
  const button = (text, action, fn, cls = "btn") => h("button", { type: "button", class: cls, dataset: { action }, onclick: fn }, text);

  function renderActions() {
    const common = [button("Undo", "undo", () => ws?.run("undo")), button("Redo", "redo", () => ws?.run("redo")),
      button("?", "help", toggleHelp, "btn btn-quiet")];
    if (mode === "annotate") replace(actions, common, button("Submit ⏎", "submit", () => submitAndNext(), "btn btn-primary"));
    else if (mode === "review") {
      replace(actions, common,
        button(ws?.readOnly ? "Fix" : "Stop fixing", "fix", () => { ws?.setReadOnly(!ws.readOnly); renderActions(); }),
        button("Reject", "reject", () => decide("reject")),
        button("Accept", "accept", () => decide("accept"), "btn btn-primary"));
    } else replace(actions, common, button("Save", "save", () => ws?.saver.flush()));
    if (who?.manage && ws) actions.prepend(button("Mark as gold", "gold", markGold, "btn btn-quiet"));
  }

  /** Make the item gold with the annotation on screen as its known answer (managers). */
  async function markGold() {
    if (!ws) return;
    try {
      await remote.setGold(projectId, ws.o.item.id, ws.store.toDocument());
      say("Marked as gold: this annotation is now the item's known answer");
    } catch (err) {
      say(messageOf(err));
    }
  }

  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close();
    else help.showModal();
  }

  /**
   * Open one item in a fresh workspace.
   * @param {api.Item} item
   * @param {{head: remote.AnnotationHead, schema: import("../editor/schema.js").LabelSchema, predictions: remote.Prediction[], readOnly: boolean, save: (body: any, rev: number) => Promise<{revision: number}>, preview?: Promise<ImageBitmap>}} data
   */
  function openWorkspace(item, data) {
    for (const x of extras) x.dispose();
    extras = [];
    ws?.dispose();
    keymap = keymap ?? buildKeymap(data.schema);
    if (!help) {
      help = helpDialog(keymap);
      root.append(help);
    }
    ws = new Workspace({
      projectId, item, head: data.head, schema: data.schema, keymap, predictions: data.predictions,
      readOnly: data.readOnly, save: data.save, onSaveState: showSaveState, say, preview: data.preview,
    });
    title.textContent = item.file_name;
    title.title = item.file_name;
    document.title = `${item.file_name} · Labelwright`;
    replace(body, ws.toolbar, h("div", { class: "editor-stage-wrap" }, ws.canvas.el), ws.side);
    showSaveState(ws.saver.state);
    renderActions();
    say(data.readOnly ? "Read-only: press Fix to change this annotation" : "Press ? for keys");
    ws.canvas.el.focus({ preventScroll: true });
    const opened = ws;
    opened.onScreen
      .then(() => attachExtras(opened, item))
      .catch((err) => say(`The comments could not be loaded: ${messageOf(err)}`));
  }

  /**
   * The comments and assist panels of a freshly opened item; a rejected item coming back to
   * its annotator shows its open comments first.
   * @param {Workspace} w
   * @param {api.Item} item
   */
  async function attachExtras(w, item) {
    // Called once the item is on screen: the comments panel and what it asks for are not part
    // of the first frame.
    const [me, catalog, { attachComments }] = await Promise.all([access(), models(), import("../editor/panels/comments.js")]);
    if (ws !== w || !alive) return;
    const comments = attachComments(w, {
      canComment: me.comment,
      authorName: (id) => (id === me.selfId ? "You" : me.names.get(id) ?? `User ${id}`),
      api: {
        list: () => remote.listComments(projectId, item.id),
        add: (body, anchor) => remote.addComment(projectId, item.id, body, anchor),
        setStatus: (id, status) => remote.setCommentStatus(projectId, id, status),
      },
    });
    extras = [comments, attachAssist(w, { projectId, itemId: item.id, models: catalog })];
    const [found, reviews] = await Promise.all([comments.load().catch(() => []),
      mode === "review" || !["rejected", "annotating"].includes(item.state) ? [] : remote.listReviews(projectId, item.id).catch(() => [])]);
    const last = reviews.at(-1);
    const open = found.filter((c) => c.status === "open").length;
    if (ws !== w || last?.decision !== "reject" || (!open && !last.comment)) return;
    comments.demandAttention(last.comment);
    say(`Rejected in review${open ? `: ${open} open comment${open === 1 ? "" : "s"}` : ""}`);
  }

  /**
   * @typedef {object} Access
   * @property {boolean} manage   managers and admins: gold
   * @property {boolean} comment  people who label or review: comments
   * @property {number | null} selfId
   * @property {Map<number, string>} names  member names by user id
   */

  /** @returns {Promise<Access>} */
  async function loadAccess() {
    const user = currentUser();
    const [project, members] = await Promise.all([api.getProject(projectId).catch(() => null), api.listMembers(projectId).catch(() => [])]);
    const role = project?.role ?? null;
    who = {
      manage: Boolean(user?.is_admin) || role === "manager",
      comment: Boolean(user?.is_admin) || ["manager", "annotator", "reviewer"].includes(role ?? ""),
      selfId: user?.id ?? null,
      names: new Map(members.map((m) => [m.user.id, m.user.display_name || m.user.username])),
    };
    if (alive) renderActions();
    return who;
  }

  /** Select the object the route names (`?select=`, from a quality finding). */
  function selectRequested() {
    const id = route.query.select;
    if (!id || !ws) return;
    const obj = ws.store.objects.get(id);
    if (!obj) {
      say(`Object ${id} is not in this annotation`);
      return;
    }
    ws.showFrame(obj.frame);
    ws.store.select(id);
  }

  /** @type {Promise<import("../editor/schema.js").LabelSchema> | null} */
  let schemaPromise = null;
  const schema = () => (schemaPromise ??= remote.getSchema(projectId).then((s) => normaliseSchema(s.schema)));

  /** @param {number} itemId */
  async function loadItem(itemId) {
    // The first paint's image URL is known before the item is: start its download and decoding
    // beside the API calls (the display copy: the original itself when the image is small).
    const preview = decodedImage(api.displayUrl(projectId, itemId));
    preview.catch(() => {});  // the workspace reports a failure, if it uses this copy at all
    const [item, s, head, predictions] = await Promise.all([
      api.getItem(projectId, itemId), schema(), remote.getOwnAnnotation(projectId, itemId),
      remote.listPredictions(projectId, itemId).catch(() => []),
    ]);
    if (!alive) return;
    const wanted = route.query.select;
    const other = wanted && !head.body.objects.some((o) => o.id === wanted) ? await annotationHolding(itemId, wanted) : null;
    if (!alive) return;
    if (other && other.annotation_id !== null) {
      const annotationId = other.annotation_id;
      openWorkspace(item, { head: other, schema: s, predictions, readOnly: false, preview, save: (doc, rev) => remote.saveAnnotation(projectId, annotationId, doc, rev) });
      const names = (await access()).names;
      say(`Showing ${names.get(other.user_id) ?? `user ${other.user_id}`}'s annotation, which holds the object; changes are saved to it`);
    } else {
      openWorkspace(item, {
        head, schema: s, predictions, readOnly: false, preview,
        save: (doc, rev) => remote.saveOwnAnnotation(projectId, itemId, doc, rev),
      });
    }
    selectRequested();
  }

  /**
   * Someone's annotation of the item holding an object (reviewers and managers see them all),
   * the submitted one first; null when none does or they cannot be seen.
   * @param {number} itemId
   * @param {string} objectId
   */
  async function annotationHolding(itemId, objectId) {
    const all = await remote.listAnnotations(projectId, itemId).catch(() => []);
    const holding = all.filter((a) => a.body.objects.some((o) => o.id === objectId));
    return holding.find((a) => a.submitted) ?? holding[0] ?? null;
  }

  /** Lease the next item of the queue and open it; a page saying so when none is left. */
  async function loadNext() {
    clearTimeout(heartbeatTimer);
    lease = await remote.nextInQueue(projectId, mode === "review" ? "review" : "annotate");
    if (!alive) return;
    if (!lease || !lease.item) {
      ws?.dispose();
      ws = null;
      replace(actions);
      title.textContent = mode === "review" ? "Review" : "Labeling";
      replace(body, h("div", { class: "page" }, h("h2", null, "Nothing left in the queue"),
        h("p", { class: "muted" }, mode === "review" ? "Every submitted item has been reviewed or is being reviewed." : "Every item is labeled or held by someone else."),
        h("a", { class: "btn", href: hashFor(`/projects/${projectId}`) }, "Back to the project")));
      return;
    }
    const item = lease.item;
    const [s, predictions] = await Promise.all([schema(), remote.listPredictions(projectId, item.id).catch(() => [])]);
    if (mode === "review") await openForReview(item, s, predictions);
    else {
      const head = await remote.getOwnAnnotation(projectId, item.id);
      openWorkspace(item, { head, schema: s, predictions, readOnly: false, save: (doc, rev) => remote.saveOwnAnnotation(projectId, item.id, doc, rev) });
    }
    scheduleHeartbeat();
    prefetchLikelyNext(item.id);
  }

  /**
   * @param {api.Item} item
   * @param {import("../editor/schema.js").LabelSchema} s
   * @param {remote.Prediction[]} predictions
   */
  async function openForReview(item, s, predictions) {
    const all = await remote.listAnnotations(projectId, item.id);
    const work = all.find((a) => a.submitted) ?? all[0];
    if (!work || work.annotation_id === null) {
      openWorkspace(item, { head: { annotation_id: null, item_id: item.id, user_id: 0, revision: 0, submitted: false, body: { objects: [], tags: {}, relations: [] } }, schema: s, predictions: [], readOnly: true, save: () => Promise.reject(new ApiError(422, "invalid", "there is no submitted annotation to fix")) });
      return;
    }
    const annotationId = work.annotation_id;
    openWorkspace(item, { head: work, schema: s, predictions, readOnly: true, save: (doc, rev) => remote.saveAnnotation(projectId, annotationId, doc, rev) });
  }

  function scheduleHeartbeat() {
    if (!lease) return;
    const left = new Date(lease.expires_at).getTime() - Date.now();
    // Renew at a third of the time left, so one or two lost beats never lose the lease.
    heartbeatTimer = setTimeout(beat, Math.max(5_000, Math.min(60_000, left / 3)));
  }

  async function beat() {
    if (!lease || !alive) return;
    const seconds = activity.take(performance.now());
    try {
      lease = { ...lease, ...(await remote.heartbeat(projectId, lease.assignment_id, seconds)) };
    } catch (err) {
      activity.restore(seconds);
      if (err instanceof Error && "status" in err && err.status === 409) say(messageOf(err));
    }
    scheduleHeartbeat();
  }

  /** Report the editing time since the last beat before the lease ends (submit, review). */
  async function reportActive() {
    if (!lease) return;
    const seconds = activity.take(performance.now());
    if (seconds > 0) await remote.heartbeat(projectId, lease.assignment_id, seconds).catch(() => activity.restore(seconds));
  }

  /** Input of any kind counts as editing; a hidden tab stops the count at once. */
  const onActivity = () => activity.touch(performance.now());
  const onVisibility = () => {
    if (document.hidden) activity.pause(performance.now());
  };

  /**
   * Lease the item after this one now and preload its image, so moving on is instant; the
   * queue hands that lease out next once the current item is submitted.
   */
  async function prefetchLikelyNext(/** @type {number} */ currentId) {
    try {
      const upcoming = await remote.nextInQueue(projectId, mode === "review" ? "review" : "annotate", true);
      const next = upcoming?.item;
      if (next && next.id !== currentId && next.image.frame_count <= 1) {
        new Image().src = api.needsDisplayCopy(next.image) ? api.displayUrl(projectId, next.id) : next.image_url;
      }
    } catch {
      // Only a head start: the next item loads normally without it.
    }
  }

  async function submitAndNext() {
    if (!ws || !lease) return;
    const [saved] = await Promise.all([ws.saver.flush(), reportActive()]);
    if (!saved) {
      say("Not submitted: the annotation is not saved yet (see the status)");
      return;
    }
    try {
      await remote.submit(projectId, lease.assignment_id);
      say("Submitted");
      await loadNext();
    } catch (err) {
      say(messageOf(err));
    }
  }

  /** @param {"accept" | "reject"} decision */
  async function decide(decision) {
    if (!ws || !lease) return;
    const [saved] = await Promise.all([ws.saver.flush(), reportActive()]);
    if (!saved) {
      say("The fix is not saved yet (see the status)");
      return;
    }
    const comment = decision === "reject" ? (window.prompt("Why is it rejected? (shown to the annotator)") ?? null) : "";
    if (comment === null) return;
    try {
      await remote.review(projectId, lease.assignment_id, decision, comment);
      say(decision === "accept" ? "Accepted" : "Rejected");
      await loadNext();
    } catch (err) {
      say(messageOf(err));
    }
  }

  /** @param {KeyboardEvent} e */
  function onKeyDown(e) {
    if (!ws || isTypingTarget(/** @type {any} */ (e.target))) return;
    if (e.key === " ") {
      ws.canvas.setSpace(true);
      e.preventDefault();
      return;
    }
    const action = keymap ? actionFor(keymap.bindings, e) : null;
    if (!action) return;
    if (document.querySelector("dialog.editor-conflict[open]")) return;
    if (help?.open && action !== "help") return;
    e.preventDefault();
    if (action === "help") toggleHelp();
    else if (action === "save") ws.saver.flush();
    else if (action === "submit") mode === "review" ? decide("accept") : mode === "annotate" ? submitAndNext() : ws.saver.flush();
    else ws.run(action);
  }

  /** @param {KeyboardEvent} e */
  function onKeyUp(e) {
    if (keyName(e) === "Space") ws?.canvas.setSpace(false);
  }

  /** @param {BeforeUnloadEvent} e */
  function onBeforeUnload(e) {
    if (!ws?.saver.unsaved()) return;
    ws.saver.flush();
    e.preventDefault();
    e.returnValue = "";
  }

  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", onKeyUp);
  window.addEventListener("beforeunload", onBeforeUnload);
  for (const type of ACTIVITY_EVENTS) document.addEventListener(type, onActivity, { capture: true, passive: true });
  document.addEventListener("visibilitychange", onVisibility);

  const start = mode === "item" ? () => loadItem(Number(route.params.itemId)) : loadNext;
  start().catch((err) => {
    if (alive) replace(body, h("div", { class: "page" }, errorBox(messageOf(err), () => { replace(body, spinner()); start(); })));
  });

  return {
    unmount() {
      alive = false;
      clearTimeout(heartbeatTimer);
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("keyup", onKeyUp);
      window.removeEventListener("beforeunload", onBeforeUnload);
      for (const type of ACTIVITY_EVENTS) document.removeEventListener(type, onActivity, { capture: true });
      document.removeEventListener("visibilitychange", onVisibility);
      for (const x of extras) x.dispose();
      const leaving = ws;
      // Leaving the item saves it; the workspace goes once the save has been answered.
      leaving?.saver.flush().finally(() => leaving.dispose());
      help?.remove();
    },
  };
}
