// Markdown as elements: the tree from markdown.js becomes elements and text nodes only
// (no innerHTML anywhere), with the few attributes links and images need.

import { parseMarkdown } from "../markdown.js";

/**
 * The document to build in (tests pass a stand-in).
 * @typedef {Pick<Document, "createElement" | "createTextNode" | "createDocumentFragment">} DocLike
 */

/**
 * Render Markdown text into a fragment of safe elements.
 * @param {string} text
 * @param {import("../markdown.js").MarkdownOptions} [options]
 * @param {DocLike} [doc]
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text, options = {}, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(text, options)) fragment.append(blockNode(block, doc));
  return fragment;
}

/**
 * @param {import("../markdown.js").Block} block
 * @param {DocLike} doc
 * @returns {Node}
 */
function blockNode(block, doc) {
  switch (block.type) {
    case "heading": {
      // Page headings stay above the guidelines' own: "#" becomes h3.
      const el = doc.createElement(`h${Math.min(6, block.level + 2)}`);
      el.append(...inlineNodes(block.children, doc));
      return el;
    }
    case "paragraph": {
      const el = doc.createElement("p");
      el.append(...inlineNodes(block.children, doc));
      return el;
    }
    case "code": {
      const pre = doc.createElement("pre");
      const code = doc.createElement("code");
      code.append(doc.createTextNode(block.text));
      pre.append(code);
      return pre;
    }
    case "rule":
      return doc.createElement("hr");
    case "quote": {
      const el = doc.createElement("blockquote");
      for (const child of block.children) el.append(blockNode(child, doc));
      return el;
    }
    default:
      return listNode(block, doc);
  }
}

/**
 * @param {Extract<import("../markdown.js").Block, {type: "list"}>} block
 * @param {DocLike} doc
 * @returns {Node}
 */
function listNode(block, doc) {
  const list = doc.createElement(block.ordered ? "ol" : "ul");
  if (block.ordered && block.start !== 1) list.setAttribute("start", String(block.start));
  for (const item of block.items) {
    const li = doc.createElement("li");
    for (const child of item) li.append(blockNode(child, doc));
    list.append(li);
  }
  return list;
}

/**
 * @param {import("../markdown.js").Inline[]} nodes
 * @param {DocLike} doc
 * @returns {Node[]}
 */
function inlineNodes(nodes, doc) {
  return nodes.map((node) => inlineNode(node, doc));
}

/**
 * @param {import("../markdown.js").Inline} node
 * @param {DocLike} doc
 * @returns {Node}
 */
function inlineNode(node, doc) {
  switch (node.type) {
    case "text":
      return doc.createTextNode(node.text);
    case "break":
      return doc.createElement("br");
    case "code": {
      const el = doc.createElement("code");
      el.append(doc.createTextNode(node.text));
      return el;
    }
    case "strong":
    case "em": {
      const el = doc.createElement(node.type);
      el.append(...inlineNodes(node.children, doc));
      return el;
    }
    case "link": {
      const a = doc.createElement("a");
      a.setAttribute("href", node.href);
      if (node.external) {
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer nofollow");
      }
      a.append(...inlineNodes(node.children, doc));
      return a;
    }
    default: {
      const img = doc.createElement("img");
      img.setAttribute("src", node.src);
      img.setAttribute("alt", node.alt);
      img.setAttribute("loading", "lazy");
      return img;
    }
  }
}
