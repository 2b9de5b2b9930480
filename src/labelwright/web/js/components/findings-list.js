// The ranked list of likely label errors: severity, file name, check and message per row, the
// file name linking to the item in the editor with the object selected; filters by severity
// and check. Long lists show the first rows and grow on request.

import { h, replace } from "../dom.js";
import { checkChoices, checkLabel, countBySeverity, filterFindings, findingHref, SEVERITIES } from "../findings.js";
import { plural } from "../format.js";

const PAGE = 100;

/**
 * @param {number} projectId
 * @param {import("../findings.js").Finding[]} findings
 * @returns {HTMLElement}
 */
export function findingsList(projectId, findings) {
  if (!findings.length) return h("p", { class: "muted small findings-empty" }, "No likely errors found in the labeled items.");
  const counts = countBySeverity(findings);
  const filter = { severities: [...SEVERITIES], check: "" };
  let shown = PAGE;
  const body = h("tbody");
  const more = h("button", { type: "button", class: "btn small", onclick: () => { shown += PAGE; render(); } });
  const note = h("p", { class: "muted small", role: "status" });
  const boxes = SEVERITIES.map((s) => h("label", { class: "check" },
    h("input", { type: "checkbox", checked: true, value: s, onchange: (/** @type {Event} */ e) => {
      const on = /** @type {HTMLInputElement} */ (e.target).checked;
      filter.severities = on ? [...filter.severities, s] : filter.severities.filter((x) => x !== s);
      shown = PAGE;
      render();
    } }),
    h("span", { class: `severity severity-${s}` }, s), ` ${counts[s]}`));
  const checks = h("select", { "aria-label": "Check", onchange: () => { filter.check = checks.value; shown = PAGE; render(); } },
    h("option", { value: "" }, "Every check"),
    checkChoices(findings).map((c) => h("option", { value: c.check }, `${c.label} (${c.count})`)));

  /** @param {import("../findings.js").Finding} f */
  const row = (f) => h("tr", { dataset: { itemId: String(f.item_id), objectId: f.object_id ?? "" } },
    h("td", null, h("span", { class: `severity severity-${f.severity}` }, f.severity)),
    h("td", { class: "file" }, h("a", { href: findingHref(projectId, f), class: "finding-link", title: "Open in the editor" }, f.file_name)),
    h("td", null, checkLabel(f.check)),
    h("td", { class: "message" }, f.message));

  function render() {
    const chosen = filterFindings(findings, filter);
    replace(body, chosen.slice(0, shown).map(row));
    more.hidden = chosen.length <= shown;
    more.textContent = `Show ${Math.min(PAGE, chosen.length - shown)} more`;
    note.textContent = `${plural(chosen.length, "finding")} shown of ${findings.length}`;
  }

  render();
  return h("div", { class: "findings" },
    h("div", { class: "findings-filters" }, boxes, checks), note,
    h("div", { class: "table-wrap" }, h("table", { class: "findings-table" },
      h("thead", null, h("tr", null, ["Severity", "File", "Check", "Message"].map((t) => h("th", { scope: "col" }, t)))), body)),
    more);
}
