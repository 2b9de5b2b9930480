// The quality tab: per-annotator figures with bars, items per day, overall agreement, the
// ranked likely errors (each opening the editor on its object), and for managers the gold
// items and the quality settings.

import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { plural } from "../format.js";
import * as qualityApi from "../quality-api.js";
import { percent } from "../quality-report.js";
import { findingsList } from "./findings-list.js";
import { goldList } from "./gold-list.js";
import { dayChart } from "./quality-days.js";
import { qualityTable } from "./quality-table.js";
import { settingsForm } from "./settings-form.js";

/**
 * @param {string} key
 * @param {string} title
 * @param {string} [hint]
 * @returns {{el: HTMLElement, body: HTMLElement}}
 */
function section(key, title, hint) {
  const body = h("div", { class: "quality-body" }, spinner());
  const el = h("section", { class: "progress-section quality-section", dataset: { section: key } },
    h("h3", null, title), hint ? h("p", { class: "muted small" }, hint) : null, body);
  return { el, body };
}

/**
 * @param {number} projectId
 * @param {{manage: boolean}} can
 * @returns {{el: HTMLElement, refresh: () => void, dirty: () => boolean}}
 */
export function qualityPanel(projectId, can) {
  const summary = h("p", { class: "quality-summary" });
  const people = section("people", "Per annotator", "Per hour of active editing time (input in the editor, pauses over 30 s left out). Hover a figure for what it rests on.");
  const days = section("days", "Per day");
  const findings = section("findings", "Likely errors", "Rule checks and disagreements with model predictions, most serious first. Open a file to see the object in the editor.");
  const gold = can.manage ? section("gold", "Gold items") : null;
  const settings = can.manage ? section("settings", "Settings") : null;
  /** @type {{el: HTMLElement, dirty: () => boolean} | null} */
  let form = null;
  const refreshBtn = h("button", { type: "button", class: "btn btn-quiet small", onclick: () => refresh() }, "Refresh");
  const el = h("section", { class: "panel quality-panel", "aria-labelledby": `quality-title-${projectId}` },
    h("div", { class: "panel-head" }, h("h2", { id: `quality-title-${projectId}` }, "Quality"), refreshBtn),
    summary, people.el, days.el, findings.el, gold?.el, settings?.el);

  async function loadReport() {
    try {
      const report = await qualityApi.getReport(projectId);
      replace(summary, "Overall agreement on shared items: ", h("strong", { class: "agreement-figure" }, percent(report.agreement)),
        h("span", { class: "muted small" }, report.agreement_items ? ` over ${plural(report.agreement_items, "item")}` : " (no item has been labeled by several people yet)"));
      replace(people.body, qualityTable(report.people));
      replace(days.body, dayChart(report.days));
    } catch (err) {
      replace(summary);
      replace(people.body, errorBox(messageOf(err), refresh));
      replace(days.body);
    }
  }

  async function loadFindings() {
    try {
      replace(findings.body, findingsList(projectId, await qualityApi.getFindings(projectId)));
    } catch (err) {
      replace(findings.body, errorBox(messageOf(err), loadFindings));
    }
  }

  async function loadGold() {
    if (!gold) return;
    try {
      replace(gold.body, goldList(projectId, await qualityApi.listGold(projectId)));
    } catch (err) {
      replace(gold.body, errorBox(messageOf(err), loadGold));
    }
  }

  async function loadSettings() {
    if (!settings || form?.dirty()) return;
    try {
      const project = await qualityApi.getProjectSettings(projectId);
      form = settingsForm(projectId, project.settings ?? {}, () => loadFindings());
      replace(settings.body, form.el);
    } catch (err) {
      replace(settings.body, errorBox(messageOf(err), loadSettings));
    }
  }

  async function refresh() {
    refreshBtn.disabled = true;
    await Promise.all([loadReport(), loadFindings(), loadGold(), loadSettings()]);
    refreshBtn.disabled = false;
  }

  refresh();
  return { el, refresh, dirty: () => Boolean(form?.dirty()) };
}
