import assert from "node:assert/strict";
import { test } from "node:test";

import { renderMarkdown } from "../../src/labelwright/web/js/components/markdown-view.js";
import { MAX_DEPTH, parseInline, parseMarkdown, safeImageSrc, safeLink } from "../../src/labelwright/web/js/markdown.js";

const SHA = "ab".repeat(32);
const IMAGE = `/api/projects/7/guidelines/images/${SHA}`;

/** A stand-in document: elements record their tag, attributes and children; no HTML parsing exists. */
class FakeNode {
  constructor(tag, text = null) {
    this.tag = tag;
    this.text = text;
    this.attrs = {};
    this.children = [];
  }
  append(...nodes) { this.children.push(...nodes); }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  set innerHTML(_v) { throw new Error("innerHTML must never be used"); }
}
const fakeDoc = {
  createElement: (tag) => new FakeNode(tag),
  createTextNode: (text) => new FakeNode("#text", text),
  createDocumentFragment: () => new FakeNode("#fragment"),
};

/** @returns {string} a readable form of the tree, text escaped, to compare against */
function serialise(node) {
  if (node.tag === "#text") return node.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const inner = node.children.map(serialise).join("");
  if (node.tag === "#fragment") return inner;
  const attrs = Object.entries(node.attrs).map(([k, v]) => ` ${k}="${v.replace(/"/g, "&quot;")}"`).join("");
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}

/** Every element tag and attribute name in a tree. */
function tagsAndAttributes(node, out = { tags: new Set(), attrs: new Set() }) {
  if (node.tag !== "#text") {
    out.tags.add(node.tag);
    for (const k of Object.keys(node.attrs)) out.attrs.add(k);
  }
  for (const c of node.children) tagsAndAttributes(c, out);
  return out;
}

const render = (text) => serialise(renderMarkdown(text, { projectId: 7 }, /** @type {any} */ (fakeDoc)));

test("the subset: headings, emphasis, code, lists, quotes, rules, links, images", () => {
  assert.equal(render("# Boxes\n\nDraw **tight** boxes, *never* loose.\n"),
    "<h3>Boxes</h3><p>Draw <strong>tight</strong> boxes, <em>never</em> loose.</p>");
  assert.equal(render("- one\n- two\n  - nested\n\n3. three\n4. four"),
    "<ul><li><p>one</p></li><li><p>two</p><ul><li><p>nested</p></li></ul></li></ul>"
    + '<ol start="3"><li><p>three</p></li><li><p>four</p></li></ol>');
  assert.equal(render("> careful\n\n---\n\n```\nx < y\n```"), "<blockquote><p>careful</p></blockquote><hr></hr><pre><code>x &lt; y</code></pre>");
  assert.equal(render("see [the spec](https://example.org/a?b=1) and [faq](../faq#top)"),
    '<p>see <a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer nofollow">the spec</a>'
    + ' and <a href="../faq#top">faq</a></p>');
  assert.equal(render(`![a car](${IMAGE})`), `<p><img src="${IMAGE}" alt="a car" loading="lazy"></img></p>`);
  assert.equal(render("`a*b*` and snake_case_name and 2*3*4"), "<p><code>a*b*</code> and snake_case_name and 2<em>3</em>4</p>");
  assert.equal(render("line one  \nline two\nline three"), "<p>line one<br></br>line two line three</p>");
  assert.equal(render("\\*not emphasis\\* \\[not a link\\](x)"), "<p>*not emphasis* [not a link](x)</p>");
});

test("raw HTML is text, never markup", () => {
  const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>';
  const out = render(hostile);
  assert.equal(out, `<p>${hostile.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</p>`);
  const { tags, attrs } = tagsAndAttributes(renderMarkdown(hostile, {}, /** @type {any} */ (fakeDoc)));
  assert.deepEqual([...tags], ["#fragment", "p"]);
  assert.deepEqual([...attrs], []);
});

test("links go only to http, https and relative targets", () => {
  for (const bad of ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "java\tscript:x", "java\u0000script:x",
    "data:text/html,<b>", "vbscript:x", "file:///etc/passwd", "mailto:a@b.c", "jar:x", "javascript&colon;x:y"]) {
    assert.equal(safeLink(bad), null, bad);
  }
  assert.deepEqual(safeLink("https://a.b/c"), { href: "https://a.b/c", external: true });
  assert.deepEqual(safeLink("HTTP://a.b"), { href: "HTTP://a.b", external: true });
  assert.deepEqual(safeLink("/docs/x:y"), { href: "/docs/x:y", external: false });
  assert.deepEqual(safeLink("#part"), { href: "#part", external: false });
  assert.deepEqual(safeLink("//other.host/x"), { href: "//other.host/x", external: true });
  assert.equal(render("[click](javascript:alert)"), "<p>click</p>");
  assert.equal(render("[click](data:text/html;base64,PHNjcmlwdD4=)"), "<p>click</p>");
});

test("images come only from this project's guideline images", () => {
  assert.equal(safeImageSrc(IMAGE, 7), IMAGE);
  assert.equal(safeImageSrc(IMAGE, 8), null);
  assert.equal(safeImageSrc(IMAGE, undefined), null);
  assert.equal(safeImageSrc(`${IMAGE}?x=1`, 7), null);
  assert.equal(safeImageSrc(`https://evil.example${IMAGE}`, 7), null);
  assert.equal(safeImageSrc("/api/projects/7/guidelines/images/../../../items/1/image", 7), null);
  assert.equal(render("![tracker](https://evil.example/pixel.gif)"), "<p>[image: tracker]</p>");
  assert.equal(render('![x" onerror="alert(1)](https://e/x.png)'), "<p>[image: x&quot; onerror=&quot;alert(1)]</p>".replace(/&quot;/g, '"'));
});

test("links inside link text stay text, and link text keeps its emphasis", () => {
  const [p] = parseMarkdown("[**bold** [inner](https://b)](https://a)");
  assert.equal(p.type, "paragraph");
  const link = p.children[0];
  assert.equal(link.type, "link");
  assert.equal(link.href, "https://a");
  assert.ok(!JSON.stringify(link.children).includes('"type":"link"'));
  assert.equal(link.children[0].type, "strong");
});

test("deep nesting is capped and stays text", () => {
  const quotes = parseMarkdown(`${">".repeat(50)} deep`);
  let depth = 0;
  for (let node = quotes[0]; node?.type === "quote"; node = node.children[0]) depth += 1;
  assert.equal(depth, MAX_DEPTH);
  const emphasis = parseInline(`${"*a ".repeat(40)}`);
  assert.ok(emphasis.every((n) => n.type === "text"));
});

test("hostile input parses in linear time", () => {
  const inputs = [
    "*a ".repeat(100_000), "[".repeat(100_000) + "](".repeat(10_000), "`".repeat(50_000) + "x" + "``".repeat(5_000),
    "**a".repeat(50_000), "_a ".repeat(100_000), ">".repeat(100_000), `${"  - x\n".repeat(20_000)}`,
    `${"- ".repeat(10_000)}x`, "![".repeat(50_000) + "](/x)".repeat(1000), "\\".repeat(100_000),
  ];
  const start = performance.now();
  for (const text of inputs) parseMarkdown(text, { projectId: 1 });
  assert.ok(performance.now() - start < 3000, `took ${performance.now() - start} ms`);
});

test("unclosed markers are literal text", () => {
  assert.equal(render("**bold and `code and [link(x"), "<p>**bold and `code and [link(x</p>");
  assert.equal(render("```\nno end"), "<pre><code>no end</code></pre>");
  assert.equal(render("#nospace #"), "<p>#nospace #</p>");
});
