// The editor's model: the objects of the current item, tags, relations, the selection (one
// object or several), and an undo stack. Every change to the document is a command holding its before and after, so undo
// and redo are the same operation in opposite directions. Pure: no DOM access.

/**
 * One object of an annotation, as the API has it.
 * @typedef {object} AnnotationObject
 * @property {string} id
 * @property {string} class_id
 * @property {import("./geometry.js").Shape} shape
 * @property {Record<string, unknown>} attributes
 * @property {number} frame
 * @property {string | null} [track]
 * @property {string | null} [group]
 * @property {number | null} [score]
 * @property {string} source
 */

/** @typedef {{id: string, type_id: string, subject: string, object: string}} Relation */
/** @typedef {{objects: AnnotationObject[], tags: Record<string, string[]>, relations: Relation[]}} AnnotationDoc */

/**
 * A change to the document: each part holds what it was and what it becomes.
 * @typedef {object} Command
 * @property {string} label  what the user did, for the undo button's title
 * @property {{id: string, before: AnnotationObject | null, after: AnnotationObject | null}[]} [objects]
 * @property {{before: string[], after: string[]}} [order]  ids bottom to top
 * @property {{before: Record<string, string[]>, after: Record<string, string[]>}} [tags]
 * @property {{before: Relation[], after: Relation[]}} [relations]
 * @property {string} [mergeKey]  consecutive commands with one key undo as one (typing, dragging)
 */

/**
 * What changed, for listeners: `doc` with the object ids touched, or `selection`.
 * @typedef {{type: "doc" | "selection" | "load", ids?: string[]}} StoreEvent
 */

const UNDO_LIMIT = 500;

/** The document, the selection and the history of one item. */
export class EditorStore {
  constructor() {
    /** @type {Map<string, AnnotationObject>} */
    this.objects = new Map();
    /** @type {string[]} ids from bottom to top */
    this.order = [];
    /** @type {Record<string, string[]>} */
    this.tags = {};
    /** @type {Relation[]} */
    this.relations = [];
    /** @type {Set<string>} the selected ids, in the order they were picked */
    this.selection = new Set();
    /** @type {Command[]} */
    this.undoStack = [];
    /** @type {Command[]} */
    this.redoStack = [];
    /** Counts document changes (autosave compares it with what was saved). */
    this.version = 0;
    /** @type {Map<string, number> | null} */
    this.zCache = null;
    /** @type {Set<(e: StoreEvent) => void>} */
    this.listeners = new Set();
  }

  /**
   * Call fn after every change.
   * @param {(e: StoreEvent) => void} fn
   * @returns {() => void} stop listening
   */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** @param {StoreEvent} e */
  emit(e) {
    for (const fn of this.listeners) fn(e);
  }

  /**
   * Replace everything with a document from the server; the history starts afresh.
   * @param {Partial<AnnotationDoc>} doc
   */
  load(doc) {
    this.objects = new Map((doc.objects ?? []).map((o) => [o.id, o]));
    this.order = (doc.objects ?? []).map((o) => o.id);
    this.tags = structuredClone(doc.tags ?? {});
    this.relations = [...(doc.relations ?? [])];
    this.selection = new Set();
    this.undoStack = [];
    this.redoStack = [];
    this.zCache = null;
    this.version++;
    this.emit({ type: "load" });
  }

  /** @returns {AnnotationDoc} the document as the API saves it, objects bottom to top */
  toDocument() {
    return {
      objects: this.order.map((id) => /** @type {AnnotationObject} */ (this.objects.get(id))),
      tags: this.tags,
      relations: this.relations,
    };
  }

  /**
   * Do a command and put it on the undo stack.
   * @param {Command} cmd
   */
  apply(cmd) {
    this.run(cmd, "after");
    const top = this.undoStack[this.undoStack.length - 1];
    if (cmd.mergeKey && top && top.mergeKey === cmd.mergeKey) {
      this.undoStack[this.undoStack.length - 1] = mergeCommands(top, cmd);
    } else {
      this.undoStack.push(cmd);
      if (this.undoStack.length > UNDO_LIMIT) this.undoStack.shift();
    }
    this.redoStack = [];
  }

  /** @returns {boolean} whether there was something to undo */
  undo() {
    const cmd = this.undoStack.pop();
    if (!cmd) return false;
    this.run(cmd, "before");
    this.redoStack.push(cmd);
    return true;
  }

  /** @returns {boolean} whether there was something to redo */
  redo() {
    const cmd = this.redoStack.pop();
    if (!cmd) return false;
    this.run(cmd, "after");
    this.undoStack.push(cmd);
    return true;
  }

  /** Stop merging the next command into the last one (a drag or a typing run ended). */
  seal() {
    const top = this.undoStack[this.undoStack.length - 1];
    if (top) delete top.mergeKey;
  }

  /**
   * @param {Command} cmd
   * @param {"before" | "after"} side
   */
  run(cmd, side) {
    const ids = [];
    for (const change of cmd.objects ?? []) {
      const value = change[side];
      if (value) this.objects.set(change.id, value);
      else this.objects.delete(change.id);
      ids.push(change.id);
    }
    if (cmd.order) {
      this.order = [...cmd.order[side]];
      this.zCache = null;
    }
    if (cmd.tags) this.tags = cmd.tags[side];
    if (cmd.relations) this.relations = cmd.relations[side];
    for (const id of this.selection) if (!this.objects.has(id)) this.selection.delete(id);
    this.version++;
    this.emit({ type: "doc", ids });
  }

  /**
   * The one selected object's id; null when none or several are selected (what works on a single
   * object, such as handles, the attribute inputs or the brush's target, works only then).
   * @returns {string | null}
   */
  get selected() {
    if (this.selection.size !== 1) return null;
    const [id] = this.selection;
    return id;
  }

  /**
   * Select one object alone, or nothing with null.
   * @param {string | null} id
   */
  select(id) {
    this.setSelection(id ? [id] : []);
  }

  /**
   * Select exactly these objects (ids of objects that do not exist are left out).
   * @param {Iterable<string>} ids
   */
  setSelection(ids) {
    const next = new Set([...ids].filter((id) => this.objects.has(id)));
    if (next.size === this.selection.size && [...next].every((id) => this.selection.has(id))) return;
    this.selection = next;
    this.emit({ type: "selection" });
  }

  /**
   * Add an object to the selection, or take it out when it is in.
   * @param {string} id
   */
  toggleSelected(id) {
    if (!this.objects.has(id)) return;
    const next = new Set(this.selection);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.selection = next;
    this.emit({ type: "selection" });
  }

  /**
   * @param {string} id
   * @returns {boolean}
   */
  isSelected(id) {
    return this.selection.has(id);
  }

  /** @returns {AnnotationObject | null} the one selected object (see `selected`) */
  selectedObject() {
    const id = this.selected;
    return id ? this.objects.get(id) ?? null : null;
  }

  /** @returns {AnnotationObject[]} every selected object, bottom to top */
  selectedObjects() {
    const ids = this.selection.size > 1 ? this.order.filter((id) => this.selection.has(id)) : [...this.selection];
    return ids.map((id) => /** @type {AnnotationObject} */ (this.objects.get(id)));
  }

  /**
   * Where an object is in the drawing order (higher is drawn later, on top).
   * @param {string} id
   * @returns {number}
   */
  z(id) {
    if (!this.zCache) this.zCache = new Map(this.order.map((oid, i) => [oid, i]));
    return this.zCache.get(id) ?? -1;
  }
}

/**
 * One command doing what two consecutive ones did.
 * @param {Command} first
 * @param {Command} second
 * @returns {Command}
 */
export function mergeCommands(first, second) {
  /** @type {Map<string, {id: string, before: AnnotationObject | null, after: AnnotationObject | null}>} */
  const changes = new Map();
  for (const c of first.objects ?? []) changes.set(c.id, { ...c });
  for (const c of second.objects ?? []) {
    const prior = changes.get(c.id);
    changes.set(c.id, { id: c.id, before: prior ? prior.before : c.before, after: c.after });
  }
  /** @template T @param {{before: T, after: T} | undefined} a @param {{before: T, after: T} | undefined} b */
  const span = (a, b) => (a && b ? { before: a.before, after: b.after } : a ?? b);
  return {
    label: second.label,
    mergeKey: second.mergeKey,
    objects: [...changes.values()],
    order: span(first.order, second.order),
    tags: span(first.tags, second.tags),
    relations: span(first.relations, second.relations),
  };
}
