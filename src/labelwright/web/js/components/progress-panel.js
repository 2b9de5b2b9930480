// The project's progress: items per state, objects and items per class, work per annotator.

import { ITEM_STATES } from "../listing.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { plural, stateLabel } from "../format.js";
import * as projectApi from "../project-api.js";
import { barChart } from "./bar-chart.js";

const SCOPE_NOTE = {
  everyone: "",
  own: "Only your own annotations are counted.",
  classes: "Totals over everyone's annotations.",
};

/**
 * @param {number} projectId
 * @returns {{el: HTMLElement, refresh: () => void}}
 */
export function progressPanel(projectId) {
  const body = h("div", { class: "progress-body" }, spinner("Loading progress…"));
  const refreshBtn = h("button", { type: "button", class: "btn btn-quiet small", onclick: () => refresh() }, "Refresh");
  const el = h("section", { class: "panel progress-panel", "aria-labelledby": `progress-title-${projectId}` },
    h("div", { class: "panel-head" }, h("h2", { id: `progress-title-${projectId}` }, "Progress"), refreshBtn),
    body);

  async function refresh() {
    refreshBtn.disabled = true;
    try {
      render(await projectApi.getStats(projectId));
    } catch (err) {
      replace(body, errorBox(messageOf(err), refresh));
    } finally {
      refreshBtn.disabled = false;
    }
  }

  /** @param {projectApi.ProjectStats} stats */
  function render(stats) {
    const states = [...ITEM_STATES, ...Object.keys(stats.states).filter((s) => !ITEM_STATES.includes(s))]
      .filter((s) => stats.states[s])
      .map((s) => ({ label: stateLabel(s), value: stats.states[s], note: plural(stats.states[s], "item") }));
    const classes = stats.classes.map((c) => ({
      label: c.in_schema ? c.name : `${c.name} (removed)`, value: c.objects, color: c.color,
      note: `${plural(c.objects, "object")} · ${plural(c.items, "item")}`,
    }));
    replace(body,
      h("div", { class: "progress-section" },
        h("h3", null, "Items per state ", h("span", { class: "muted small" }, plural(stats.items, "item"))),
        barChart({ title: "Items per workflow state", rows: states, empty: "No items yet." })),
      h("div", { class: "progress-section" },
        h("h3", null, "Objects per class"),
        SCOPE_NOTE[stats.scope] && h("p", { class: "muted small" }, SCOPE_NOTE[stats.scope]),
        barChart({ title: "Objects per class", rows: classes, empty: "The label schema has no classes yet." })),
      stats.scope !== "classes" && annotatorSection(stats));
  }

  refresh();
  return { el, refresh };
}

/**
 * @param {projectApi.ProjectStats} stats
 * @returns {HTMLElement}
 */
function annotatorSection(stats) {
  const rows = stats.annotators.map((a) => ({
    label: a.display_name || a.username, value: a.items, part: a.submitted,
    note: `${plural(a.items, "item")} · ${a.submitted.toLocaleString("en")} submitted · ${plural(a.objects, "object")}`,
  }));
  return h("div", { class: "progress-section" },
    h("h3", null, stats.scope === "own" ? "Your work" : "Work per annotator"),
    barChart({
      title: "Items annotated per person, with the submitted share", rows,
      empty: "Nobody has saved an annotation yet.", valueLabel: "saved", partLabel: "submitted",
    }));
}
