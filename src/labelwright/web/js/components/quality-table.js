// The per-annotator quality table: one row per person, one column per measure, each cell a
// figure with a small SVG bar (shares on 0–100 %, rates on a shared round scale). Names are text.

import { h } from "../dom.js";
import { MEASURES, measureCells } from "../quality-report.js";

const SVG = "http://www.w3.org/2000/svg";
const BAR_W = 80;

/**
 * @param {number} fraction  0..1
 * @param {boolean} worse    drawn in the warning colour
 * @returns {SVGSVGElement}
 */
function cellBar(fraction, worse) {
  const bar = /** @type {SVGSVGElement} */ (document.createElementNS(SVG, "svg"));
  bar.setAttribute("class", "cell-bar");
  bar.setAttribute("viewBox", `0 0 ${BAR_W} 8`);
  bar.setAttribute("aria-hidden", "true");
  for (const [cls, width] of [["cell-track", BAR_W], [`cell-fill${worse ? " worse" : ""}`, Math.max(0, Math.min(1, fraction)) * BAR_W]]) {
    const rect = document.createElementNS(SVG, "rect");
    for (const [k, v] of Object.entries({ class: cls, x: 0, y: 0, width, height: 8, rx: 2 })) rect.setAttribute(k, String(v));
    bar.append(rect);
  }
  return bar;
}

/**
 * @param {import("../quality-report.js").PersonFigures[]} people
 * @returns {HTMLElement}
 */
export function qualityTable(people) {
  if (!people.length) return h("p", { class: "muted small" }, "Nobody has submitted work yet.");
  const columns = MEASURES.map((m) => measureCells(people, m));
  return h("div", { class: "table-wrap" }, h("table", { class: "quality-table" },
    h("caption", { class: "visually-hidden" }, "Quality per annotator"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Annotator"), h("th", { scope: "col", class: "num" }, "Items"),
      MEASURES.map((m) => h("th", { scope: "col" }, m.label)))),
    h("tbody", null, people.map((p, i) => h("tr", { dataset: { userId: String(p.user_id) } },
      h("th", { scope: "row" }, p.username),
      h("td", { class: "num" }, p.items.toLocaleString("en")),
      MEASURES.map((m, k) => {
        const cell = columns[k][i];
        return h("td", { title: cell.title, dataset: { measure: String(m.id) } },
          h("span", { class: "cell-figure" }, cell.text), cellBar(cell.fraction, Boolean(m.worse)));
      }))))));
}
