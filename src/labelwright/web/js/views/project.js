// A project: its progress per state, then one section at a time (`?tab=`): the item grid with
// upload, import and export; progress charts; members; the label schema; the guidelines.

import { projectAbilities } from "../abilities.js";
import * as api from "../api.js";
import { exportBox } from "../components/export-box.js";
import { guidelinesPanel } from "../components/guidelines-panel.js";
import { importBox } from "../components/import-box.js";
import { prelabelBox } from "../components/prelabel-box.js";
import { itemFilters } from "../components/item-filters.js";
import { itemGrid } from "../components/item-grid.js";
import { subscribeActivity } from "../components/live-activity.js";
import { membersPanel } from "../components/members-panel.js";
import { progressPanel } from "../components/progress-panel.js";
import { qualityPanel } from "../components/quality-panel.js";
import { schemaEditor } from "../components/schema-editor.js";
import { stateBar } from "../components/state-bar.js";
import { uploadBox } from "../components/upload-box.js";
import { debounce, errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate, stateLabel } from "../format.js";
import { dropListing } from "../listing-cache.js";
import { filtersFromQuery, filtersToQuery } from "../listing.js";
import * as projectApi from "../project-api.js";
import { tabFromQuery, visibleTabs, withTab } from "../project-tabs.js";
import { hashFor } from "../router.js";
import { currentUser } from "../session.js";

/**
 * @typedef {object} Section  one tab's content, made the first time the tab is shown
 * @property {HTMLElement} el
 * @property {() => boolean} [dirty]   unsaved edits that closing the page would lose
 * @property {() => void} [shown]      the tab came into view again
 * @property {() => void} [stop]
 */

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 * @returns {import("../main.js").ViewHandle}
 */
export function mount(root, route) {
  const projectId = Number(route.params.projectId);
  let filters = filtersFromQuery(route.query);
  let tab = tabFromQuery(route.query);
  /** @type {api.Project | null} */
  let project = null;
  /** @type {api.Batch[]} */
  let batches = [];
  /** @type {import("../components/item-filters.js").FilterChoices} */
  const choices = { counts: {}, batches: [], classes: [], annotators: [] };
  /** @type {Map<string, Section>} */
  const sections = new Map();
  /** @type {import("../components/item-grid.js").ItemGrid | null} */
  let grid = null;
  /** @type {import("../components/item-filters.js").FilterBar | null} */
  let filterBar = null;
  let alive = true;

  const page = h("div", { class: "page" }, spinner("Loading project…"));
  root.append(page);
  const head = h("div", { class: "project-head" });
  const overview = h("section", { class: "panel overview", "aria-label": "Progress per state" });
  const tabNav = h("nav", { class: "tabs", "aria-label": "Project sections" });
  const body = h("div", { class: "tab-body" });
  const batchesPanel = h("section", { class: "panel", "aria-labelledby": "batches-title" });

  const abilities = () => projectAbilities(currentUser(), project ?? { role: null });
  const hrefFor = (/** @type {import("../project-tabs.js").Tab} */ t) =>
    hashFor(`/projects/${projectId}`, withTab(filtersToQuery(filters), t));

  /** @param {import("../listing.js").Filters} next */
  function setFilters(next) {
    filters = next;
    history.replaceState(null, "", hrefFor(tab));
    syncFilters();
    renderOverview();
    renderBatches();
    renderTabs();
    grid?.setFilters(filters);
  }

  function syncFilters() {
    choices.counts = project?.counts ?? {};
    choices.batches = batches;
    filterBar?.sync(filters, choices);
  }

  function renderOverview() {
    if (!project) return;
    replace(overview, stateBar(project.counts, {
      selected: filters.state,
      onSelect: (state) => {
        setFilters({ ...filters, state });
        if (tab !== "items") location.hash = hrefFor("items");
      },
    }));
  }

  function renderHead() {
    if (!project) return;
    document.title = `${project.name} · Labelwright`;
    replace(head,
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Projects"), h("span", { "aria-hidden": "true" }, " / ")),
      h("div", { class: "page-head" },
        h("div", null,
          h("h1", null, project.name, " ", project.role && h("span", { class: "badge" }, stateLabel(project.role))),
          project.description && h("p", { class: "muted" }, project.description)),
        h("div", { class: "btn-group" }, h("a", { class: "btn btn-primary", href: `#/projects/${projectId}/label` }, "Start labeling"),
          h("a", { class: "btn", href: `#/projects/${projectId}/review` }, "Review"),
          h("a", { class: "btn", href: `#/projects/${projectId}/operations` }, "Batches & deliveries"))));
  }

  function renderTabs() {
    replace(tabNav, h("ul", null, visibleTabs(abilities()).map((t) => h("li", null,
      h("a", { href: hrefFor(t.id), class: "tab", "aria-current": t.id === tab ? "page" : null }, t.label)))));
  }

  function renderBatches() {
    replace(batchesPanel, h("h2", { id: "batches-title" }, "Batches"),
      batches.length
        ? h("ul", { class: "plain-list" }, [...batches].reverse().map((b) => h("li", null,
          h("button", {
            type: "button", class: "link-btn", "aria-pressed": String(filters.batch === String(b.id)),
            title: filters.batch === String(b.id) ? "Show every batch" : "Show only this batch's items",
            onclick: () => setFilters({ ...filters, batch: filters.batch === String(b.id) ? "" : String(b.id) }),
          }, b.name || `Batch ${b.id}`),
          h("span", { class: "muted small" }, ` ${formatDate(b.created_at)}`),
          b.note && h("p", { class: "muted small" }, b.note))))
        : h("p", { class: "muted small" }, "No batches yet: each upload makes one."));
  }

  /** After images or labels arrived: new counts, batches and (when asked) a fresh grid. */
  async function refreshProject(reloadGrid = false) {
    if (reloadGrid) {
      dropListing();
      grid?.reload();
    }
    try {
      const [p, b] = await Promise.all([api.getProject(projectId), api.listBatches(projectId)]);
      if (!alive) return;
      project = p;
      batches = b;
      renderOverview();
      renderBatches();
      syncFilters();
    } catch {
      // The grid and the last counts stay usable; the next refresh may work.
    }
  }

  /** The class and annotator choices of the filters (schema and members; either may fail). */
  async function loadChoices() {
    const [schema, members] = await Promise.all([
      projectApi.getSchema(projectId).catch(() => null),
      abilities().seeAllWork ? api.listMembers(projectId).catch(() => []) : Promise.resolve([]),
    ]);
    if (!alive) return;
    choices.classes = (schema?.schema.classes ?? []).map((c) => ({ id: c.id, name: c.name }));
    choices.annotators = members
      .filter((m) => m.role !== "client")
      .map((m) => ({ id: m.user.id, name: m.user.display_name || m.user.username }));
    syncFilters();
  }

  /** @returns {Section} */
  function itemsSection() {
    const can = abilities();
    filterBar = itemFilters(setFilters, { ownWorkOnly: !can.seeAllWork, annotationFilters: project?.role !== "client" });
    grid = itemGrid(projectId, filters);
    // Work done elsewhere shows up without a reload: the card's state, then the counts.
    const recount = debounce(() => refreshProject(), 500);
    const live = subscribeActivity(projectId, {
      onEvent: (e) => { if (e.item_id !== null && e.item_state) grid?.updateItem(e.item_id, e.item_state); recount(); },
    });
    const importer = can.manage ? importBox(projectId, () => refreshProject(true)) : null;
    const prelabeler = can.manage ? prelabelBox(projectId, () => refreshProject(true)) : null;
    const upload = can.upload ? uploadBox(projectId, (result) => refreshProject(Boolean(result.added))) : null;
    syncFilters();
    loadChoices();
    const el = h("div", { class: "project-layout" },
      h("section", { class: "items-section", "aria-labelledby": "items-title" },
        h("h2", { id: "items-title", class: "visually-hidden" }, "Items"), filterBar.el, grid.el),
      h("aside", { class: "project-side", "aria-label": "Project details" },
        upload, importer?.el, prelabeler?.el, can.export ? exportBox(projectId) : null, batchesPanel));
    return { el, shown: loadChoices, stop: () => { grid?.destroy(); importer?.stop(); prelabeler?.stop(); live.close(); } };
  }

  /**
   * @param {import("../project-tabs.js").Tab} which
   * @returns {Section}
   */
  function makeSection(which) {
    const can = abilities();
    if (which === "progress") {
      const panel = progressPanel(projectId);
      return { el: panel.el, shown: panel.refresh };
    }
    if (which === "quality") {
      const panel = qualityPanel(projectId, { manage: can.manage });
      return { el: panel.el, shown: panel.refresh, dirty: panel.dirty };
    }
    if (which === "members") {
      const panel = membersPanel(projectId, { manage: can.manage, selfId: currentUser()?.id ?? null });
      return { el: panel.el, shown: panel.reload };
    }
    if (which === "schema") return schemaEditor(projectId, { manage: can.manage });
    if (which === "guidelines") return guidelinesPanel(projectId, { manage: can.manage });
    return itemsSection();
  }

  /** @param {import("../project-tabs.js").Tab} which */
  function showTab(which) {
    tab = which;
    renderTabs();
    let section = sections.get(which);
    if (section) section.shown?.();
    else {
      section = makeSection(which);
      sections.set(which, section);
      body.append(section.el);
    }
    for (const [name, s] of sections) s.el.hidden = name !== which;
  }

  /** @param {BeforeUnloadEvent} e */
  function warnUnsaved(e) {
    if ([...sections.values()].some((s) => s.dirty?.())) e.preventDefault();
  }

  async function load() {
    replace(page, spinner("Loading project…"));
    try {
      const [p, b] = await Promise.all([api.getProject(projectId), api.listBatches(projectId)]);
      if (!alive) return;
      project = p;
      batches = b;
    } catch (err) {
      if (!alive) return;
      document.title = "Project · Labelwright";
      replace(page, h("nav", { class: "breadcrumb" }, h("a", { href: "#/" }, "Projects")), errorBox(messageOf(err), load));
      return;
    }
    renderHead();
    renderOverview();
    renderBatches();
    replace(page, head, overview, tabNav, body);
    showTab(tab);
  }

  window.addEventListener("beforeunload", warnUnsaved);
  load();

  return {
    update(next) {
      if (Number(next.params.projectId) !== projectId) return false;
      const nextFilters = filtersFromQuery(next.query);
      if (JSON.stringify(nextFilters) !== JSON.stringify(filters)) setFilters(nextFilters);
      const nextTab = tabFromQuery(next.query);
      if (nextTab !== tab && project) showTab(nextTab);
      else tab = nextTab;
      return true;
    },
    unmount() {
      alive = false;
      window.removeEventListener("beforeunload", warnUnsaved);
      for (const s of sections.values()) s.stop?.();
    },
  };
}
