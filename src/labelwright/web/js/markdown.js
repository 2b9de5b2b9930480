// A small, safe Markdown subset for project guidelines: text in, a tree of plain objects out.
// Headings, paragraphs, emphasis, inline and fenced code, lists, block quotes, rules, links
// (http, https and relative only) and images (only this project's guideline images).
// There is no raw HTML: "<b>" is text. Nothing here touches the DOM; components/markdown-view.js
// turns the tree into elements with text nodes. Work is linear in the input (positions are
// indexed once per paragraph), and nesting is capped, so hostile input cannot stall a page.

/**
 * @typedef {{type: "text", text: string}
 *   | {type: "code", text: string}
 *   | {type: "break"}
 *   | {type: "strong" | "em", children: Inline[]}
 *   | {type: "link", href: string, external: boolean, children: Inline[]}
 *   | {type: "image", src: string, alt: string}} Inline
 */

/**
 * @typedef {{type: "heading", level: number, children: Inline[]}
 *   | {type: "paragraph", children: Inline[]}
 *   | {type: "code", lang: string, text: string}
 *   | {type: "rule"}
 *   | {type: "quote", children: Block[]}
 *   | {type: "list", ordered: boolean, start: number, items: Block[][]}} Block
 */

/**
 * @typedef {object} MarkdownOptions
 * @property {number} [projectId]  images are shown only from this project's guidelines
 */

/** Deeper nesting than this (quotes, lists, emphasis) is kept as plain text. */
export const MAX_DEPTH = 8;

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The href for a link target, or null when it is not http(s) or relative.
 * @param {string} url
 * @returns {{href: string, external: boolean} | null}
 */
export function safeLink(url) {
  const href = String(url ?? "").trim();
  if (!href || CONTROL.test(href) || /\s/.test(href)) return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(href);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    return name === "http" || name === "https" ? { href, external: true } : null;
  }
  // No scheme: relative ("/a", "a/b", "#x", "?q"), or host-relative ("//host/a", which is http(s)).
  if (href.includes(":") && !/^[^:]*[/?#]/.test(href)) return null;
  return { href, external: href.startsWith("//") || href.startsWith("\\\\") };
}

/**
 * The src for an image, or null unless it is one of this project's guideline images.
 * @param {string} url
 * @param {number | undefined} projectId
 * @returns {string | null}
 */
export function safeImageSrc(url, projectId) {
  const m = /^\/api\/projects\/(\d+)\/guidelines\/images\/([0-9a-f]{64})$/.exec(String(url ?? "").trim());
  if (!m || projectId === undefined || Number(m[1]) !== projectId) return null;
  return m[0];
}

/**
 * Parse Markdown into blocks.
 * @param {string} text
 * @param {MarkdownOptions} [options]
 * @returns {Block[]}
 */
export function parseMarkdown(text, options = {}) {
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  return parseBlocks(lines, options, 0);
}

// ---- Blocks -----------------------------------------------------------------------------------

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;

/**
 * @param {string} line
 * @returns {boolean}
 */
function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line);
}

/**
 * @param {string[]} lines
 * @param {MarkdownOptions} options
 * @param {number} depth
 * @returns {Block[]}
 */
function parseBlocks(lines, options, depth) {
  /** @type {Block[]} */
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const next = parseFence(lines, i) ?? parseHeading(line, options, i) ?? parseRule(line, i)
      ?? (depth < MAX_DEPTH ? parseQuote(lines, i, options, depth) ?? parseList(lines, i, options, depth) : null)
      ?? parseParagraph(lines, i, options, depth);
    blocks.push(next.block);
    i = next.end;
  }
  return blocks;
}

/** @typedef {{block: Block, end: number}} Parsed */

/**
 * @param {string[]} lines
 * @param {number} i
 * @returns {Parsed | null}
 */
function parseFence(lines, i) {
  const m = FENCE.exec(lines[i]);
  if (!m) return null;
  const fence = m[1];
  const body = [];
  let j = i + 1;
  while (j < lines.length && !lines[j].trimStart().startsWith(fence)) body.push(lines[j++]);
  return { block: { type: "code", lang: m[2] ?? "", text: body.join("\n") }, end: Math.min(j + 1, lines.length) };
}

/**
 * @param {string} line
 * @param {MarkdownOptions} options
 * @param {number} i
 * @returns {Parsed | null}
 */
function parseHeading(line, options, i) {
  const m = HEADING.exec(line);
  if (!m) return null;
  const text = (m[2] ?? "").replace(/[ \t]+#+[ \t]*$/, "").replace(/^#+$/, "").trim();
  return { block: { type: "heading", level: m[1].length, children: parseInline(text, options) }, end: i + 1 };
}

/**
 * @param {string} line
 * @param {number} i
 * @returns {Parsed | null}
 */
function parseRule(line, i) {
  return RULE.test(line) ? { block: { type: "rule" }, end: i + 1 } : null;
}

/**
 * @param {string[]} lines
 * @param {number} i
 * @param {MarkdownOptions} options
 * @param {number} depth
 * @returns {Parsed | null}
 */
function parseQuote(lines, i, options, depth) {
  if (!QUOTE.test(lines[i])) return null;
  const inner = [];
  let j = i;
  for (let m; j < lines.length && (m = QUOTE.exec(lines[j])); j++) inner.push(m[1]);
  return { block: { type: "quote", children: parseBlocks(inner, options, depth + 1) }, end: j };
}

/**
 * A list: items at the first item's indent; more-indented lines belong to the item above.
 * @param {string[]} lines
 * @param {number} i
 * @param {MarkdownOptions} options
 * @param {number} depth
 * @returns {Parsed | null}
 */
function parseList(lines, i, options, depth) {
  const first = LIST_ITEM.exec(lines[i]);
  if (!first || RULE.test(lines[i])) return null;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  /** @type {string[][]} */
  const items = [];
  let j = i;
  while (j < lines.length) {
    const m = LIST_ITEM.exec(lines[j]);
    if (m && m[1].length === indent && /\d/.test(m[2]) === ordered && !RULE.test(lines[j])) {
      items.push([m[3] ?? ""]);
      j += 1;
      continue;
    }
    if (leadingSpaces(lines[j]) > indent && lines[j].trim()) {
      items[items.length - 1].push(lines[j].slice(Math.min(leadingSpaces(lines[j]), indent + 2)));
    } else if (!lines[j].trim() && continuesAfterBlank(lines[j + 1], indent, ordered)) {
      items[items.length - 1].push("");
    } else break;
    j += 1;
  }
  const start = ordered ? Number.parseInt(first[2], 10) : 1;
  return {
    block: { type: "list", ordered, start, items: items.map((item) => parseBlocks(item, options, depth + 1)) },
    end: j,
  };
}

/**
 * Whether the line after a blank one still belongs to the list: indented under an item, or
 * the next item of the same list.
 * @param {string | undefined} line
 * @param {number} indent
 * @param {boolean} ordered
 * @returns {boolean}
 */
function continuesAfterBlank(line, indent, ordered) {
  if (line === undefined || !line.trim()) return false;
  if (leadingSpaces(line) > indent) return true;
  const m = LIST_ITEM.exec(line);
  return Boolean(m) && m?.[1].length === indent && /\d/.test(m?.[2] ?? "") === ordered && !RULE.test(line);
}

/**
 * @param {string} line
 * @returns {number}
 */
function leadingSpaces(line) {
  return line.length - line.trimStart().length;
}

/**
 * @param {string[]} lines
 * @param {number} i
 * @param {MarkdownOptions} options
 * @param {number} depth
 * @returns {Parsed}
 */
function parseParagraph(lines, i, options, depth) {
  const body = [lines[i]];
  let j = i + 1;
  // Past the nesting cap a quote or list line is only text, so it cannot end the paragraph.
  while (j < lines.length && lines[j].trim() && (depth >= MAX_DEPTH || !startsBlock(lines[j]))) body.push(lines[j++]);
  const text = body.map((l) => l.replace(/^[ \t]+/, "")).join("\n");
  return { block: { type: "paragraph", children: parseInline(text, options) }, end: j };
}

// ---- Inline -----------------------------------------------------------------------------------

/**
 * @typedef {object} InlineIndex  positions found once per paragraph, so no search rescans text
 * @property {string} text
 * @property {MarkdownOptions} options
 * @property {Set<number>} escaped                 positions of characters after a backslash
 * @property {Map<number, {kind: string, end: number, opener: boolean}>} runs  "*", "**", "_", "__" runs
 * @property {Record<string, number[]>} closers    sorted positions of runs that may close, by kind
 * @property {Map<number, number>} tickRuns        backtick run start -> length
 * @property {Map<number, number[]>} ticksByLength sorted starts of backtick runs, by length
 * @property {Map<number, number>} brackets        "[" position -> its matching "]"
 */

/**
 * Parse one paragraph's (or heading's) text into inline nodes.
 * @param {string} text
 * @param {MarkdownOptions} [options]
 * @returns {Inline[]}
 */
export function parseInline(text, options = {}) {
  return inlineRange(indexInline(text, options), 0, text.length, 0, false);
}

/**
 * @param {string} ch
 * @returns {boolean}
 */
function isSpace(ch) {
  return ch === undefined || /\s/.test(ch);
}

/**
 * @param {string} ch
 * @returns {boolean}
 */
function isWordChar(ch) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/**
 * @param {string} text
 * @param {MarkdownOptions} options
 * @returns {InlineIndex}
 */
function indexInline(text, options) {
  /** @type {InlineIndex} */
  const index = {
    text, options, escaped: new Set(), runs: new Map(), closers: { "*": [], "**": [], _: [], __: [] },
    tickRuns: new Map(), ticksByLength: new Map(), brackets: new Map(),
  };
  /** @type {number[]} */
  const open = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) {
      index.escaped.add(i + 1);
      i += 2;
    } else if (c === "`" || c === "*" || c === "_") {
      let j = i;
      while (text[j] === c) j += 1;
      if (c === "`") addTickRun(index, i, j - i);
      else addDelimiterRun(index, i, j);
      i = j;
    } else {
      if (c === "[") open.push(i);
      else if (c === "]" && open.length) index.brackets.set(/** @type {number} */ (open.pop()), i);
      i += 1;
    }
  }
  return index;
}

/**
 * @param {InlineIndex} index
 * @param {number} start
 * @param {number} length
 */
function addTickRun(index, start, length) {
  index.tickRuns.set(start, length);
  const list = index.ticksByLength.get(length) ?? [];
  list.push(start);
  index.ticksByLength.set(length, list);
}

/**
 * @param {InlineIndex} index
 * @param {number} start
 * @param {number} end
 */
function addDelimiterRun(index, start, end) {
  const { text } = index;
  const c = text[start];
  const kind = end - start <= 2 ? c.repeat(end - start) : "";
  const before = text[start - 1];
  const after = text[end];
  // "_" inside a word (snake_case) is never emphasis; "*" may be.
  const opener = !isSpace(after) && (c === "*" || !isWordChar(before));
  const closer = start > 0 && !isSpace(before) && (c === "*" || !isWordChar(after));
  index.runs.set(start, { kind, end, opener });
  if (kind && closer) index.closers[kind].push(start);
}

/**
 * The first value in a sorted list that is at least `from` and below `below`, or -1.
 * @param {number[] | undefined} sorted
 * @param {number} from
 * @param {number} below
 * @returns {number}
 */
function firstBetween(sorted, from, below) {
  if (!sorted) return -1;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] < below ? sorted[lo] : -1;
}

/**
 * Inline nodes of text[start, end).
 * @param {InlineIndex} index
 * @param {number} start
 * @param {number} end
 * @param {number} depth
 * @param {boolean} inLink  links inside a link's text stay text
 * @returns {Inline[]}
 */
function inlineRange(index, start, end, depth, inLink) {
  const { text } = index;
  /** @type {Inline[]} */
  const out = [];
  let buffer = "";
  const flush = () => {
    if (buffer) out.push({ type: "text", text: buffer });
    buffer = "";
  };
  let i = start;
  while (i < end) {
    const c = text[i];
    /** @type {{node: Inline | Inline[], next: number} | null} */
    let found = null;
    if (c === "\\" && index.escaped.has(i + 1) && i + 1 < end) {
      buffer += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "\n") {
      if (/ {2,}$/.test(buffer)) {
        buffer = buffer.replace(/ +$/, "");
        found = { node: { type: "break" }, next: i + 1 };
      } else {
        buffer += " ";
        i += 1;
        continue;
      }
    } else if (c === "`" && !index.escaped.has(i)) found = codeSpan(index, i, end);
    else if (c === "!" && text[i + 1] === "[" && !index.escaped.has(i + 1)) found = image(index, i + 1, end);
    else if (c === "[" && !index.escaped.has(i) && !inLink && depth < MAX_DEPTH) found = link(index, i, end, depth);
    else if ((c === "*" || c === "_") && index.runs.has(i) && !index.escaped.has(i)) {
      found = emphasis(index, i, end, depth, inLink);
      if (!found) {
        const run = /** @type {{end: number}} */ (index.runs.get(i));
        buffer += text.slice(i, Math.min(run.end, end));
        i = run.end;
        continue;
      }
    }
    if (found) {
      flush();
      out.push(...[found.node].flat());
      i = found.next;
    } else {
      buffer += c;
      i += 1;
    }
  }
  flush();
  return out;
}

/**
 * @param {InlineIndex} index
 * @param {number} i
 * @param {number} end
 * @returns {{node: Inline, next: number} | null}
 */
function codeSpan(index, i, end) {
  const length = index.tickRuns.get(i);
  if (length === undefined) return null;
  const close = firstBetween(index.ticksByLength.get(length), i + length, end);
  if (close < 0) return null;
  let body = index.text.slice(i + length, close).replace(/\n/g, " ");
  if (body.length > 2 && body.startsWith(" ") && body.endsWith(" ")) body = body.slice(1, -1);
  return { node: { type: "code", text: body }, next: close + length };
}

/**
 * @param {InlineIndex} index
 * @param {number} i
 * @param {number} end
 * @param {number} depth
 * @param {boolean} inLink
 * @returns {{node: Inline, next: number} | null}
 */
function emphasis(index, i, end, depth, inLink) {
  const run = index.runs.get(i);
  if (!run || !run.kind || !run.opener || depth >= MAX_DEPTH) return null;
  const close = firstBetween(index.closers[run.kind], run.end + 1, end);
  if (close < 0) return null;
  const children = inlineRange(index, run.end, close, depth + 1, inLink);
  return { node: { type: run.kind.length === 2 ? "strong" : "em", children }, next: close + run.kind.length };
}

/**
 * "[label](target)" at `open`: the label's end and the target, or null.
 * @param {InlineIndex} index
 * @param {number} open
 * @param {number} end
 * @returns {{close: number, target: string, next: number} | null}
 */
function linkParts(index, open, end) {
  const close = index.brackets.get(open);
  if (close === undefined || close >= end) return null;
  const target = /\(([^\s()]*)\)/y;
  target.lastIndex = close + 1;
  const m = target.exec(index.text);
  if (!m || target.lastIndex > end) return null;
  return { close, target: m[1], next: target.lastIndex };
}

/**
 * @param {InlineIndex} index
 * @param {number} open
 * @param {number} end
 * @param {number} depth
 * @returns {{node: Inline | Inline[], next: number} | null}
 */
function link(index, open, end, depth) {
  const parts = linkParts(index, open, end);
  if (!parts) return null;
  const children = inlineRange(index, open + 1, parts.close, depth + 1, true);
  const safe = safeLink(parts.target);
  // An unsafe target is dropped; the words stay.
  if (!safe) return { node: children, next: parts.next };
  return { node: { type: "link", href: safe.href, external: safe.external, children }, next: parts.next };
}

/**
 * @param {InlineIndex} index
 * @param {number} open  the "[" after "!"
 * @param {number} end
 * @returns {{node: Inline, next: number} | null}
 */
function image(index, open, end) {
  const parts = linkParts(index, open, end);
  if (!parts) return null;
  const alt = index.text.slice(open + 1, parts.close);
  const src = safeImageSrc(parts.target, index.options.projectId);
  if (!src) return { node: { type: "text", text: alt ? `[image: ${alt}]` : "[image]" }, next: parts.next };
  return { node: { type: "image", src, alt }, next: parts.next };
}
