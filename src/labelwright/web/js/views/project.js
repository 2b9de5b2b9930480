// A project: its progress per state, batches, members, the upload and export boxes and the item grid.

import { canExport, canUpload } from "../access.js";
import * as api from "../api.js";
import { exportBox } from "../components/export-box.js";
import { itemGrid } from "../components/item-grid.js";
import { stateBar } from "../components/state-bar.js";
import { uploadBox } from "../components/upload-box.js";
import { debounce, errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate, plural, stateLabel } from "../format.js";
import { dropListing } from "../listing-cache.js";
import { ITEM_STATES, filtersFromQuery, filtersToQuery } from "../listing.js";
import { hashFor } from "../router.js";
import { currentUser } from "../session.js";

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 * @returns {import("../main.js").ViewHandle}
 */
export function mount(root, route) {
  const projectId = Number(route.params.projectId);
  let filters = filtersFromQuery(route.query);
  /** @type {import("../components/item-grid.js").ItemGrid | null} */
  let grid = null;
  /** @type {api.Project | null} */
  let project = null;
  let alive = true;

  const page = h("div", { class: "page" }, spinner("Loading project…"));
  root.append(page);

  const head = h("div", { class: "project-head" });
  const overview = h("section", { class: "panel overview", "aria-label": "Progress per state" });
  const batchesPanel = h("section", { class: "panel", "aria-labelledby": "batches-title" });
  const membersPanel = h("section", { class: "panel", "aria-labelledby": "members-title" });
  /** @type {api.Batch[]} */
  let batches = [];

  // ---- Filters ----
  const stateSelect = h("select", { id: "f-state", onchange: () => setFilters({ ...filters, state: stateSelect.value }) });
  const batchSelect = h("select", { id: "f-batch", onchange: () => setFilters({ ...filters, batch: batchSelect.value }) });
  const nameInput = h("input", {
    id: "f-name", type: "search", placeholder: "Starts with…", autocomplete: "off", spellcheck: "false",
    oninput: debounce(() => setFilters({ ...filters, name: nameInput.value }), 250),
  });
  const orderSelect = h("select", { id: "f-order", onchange: () => setFilters({ ...filters, order: orderSelect.value === "name" ? "name" : "id" }) },
    h("option", { value: "id" }, "Upload order"), h("option", { value: "name" }, "File name"));
  const toolbar = h("form", { class: "filters", role: "search", "aria-label": "Filter items", onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
    h("div", { class: "field" }, h("label", { for: "f-state" }, "State"), stateSelect),
    h("div", { class: "field" }, h("label", { for: "f-batch" }, "Batch"), batchSelect),
    h("div", { class: "field grow" }, h("label", { for: "f-name" }, "File name"), nameInput),
    h("div", { class: "field" }, h("label", { for: "f-order" }, "Order"), orderSelect));
  const itemsSection = h("section", { class: "items-section", "aria-labelledby": "items-title" },
    h("h2", { id: "items-title", class: "visually-hidden" }, "Items"), toolbar);

  function syncControls() {
    const counts = project?.counts ?? {};
    replace(stateSelect, h("option", { value: "" }, "All states"),
      ITEM_STATES.map((s) => h("option", { value: s }, `${stateLabel(s)} (${counts[s] ?? 0})`)));
    stateSelect.value = filters.state;
    replace(batchSelect, h("option", { value: "" }, "All batches"),
      batches.map((b) => h("option", { value: String(b.id) }, b.name || `Batch ${b.id}`)));
    batchSelect.value = filters.batch;
    if (document.activeElement !== nameInput) nameInput.value = filters.name;
    orderSelect.value = filters.order;
  }

  /** @param {import("../listing.js").Filters} next */
  function setFilters(next) {
    filters = next;
    history.replaceState(null, "", hashFor(`/projects/${projectId}`, filtersToQuery(filters)));
    syncControls();
    renderOverview();
    renderBatches();
    grid?.setFilters(filters);
  }

  function renderOverview() {
    if (!project) return;
    replace(overview, stateBar(project.counts, { selected: filters.state, onSelect: (state) => setFilters({ ...filters, state }) }));
  }

  function renderHead() {
    if (!project) return;
    document.title = `${project.name} · Labelwright`;
    replace(head,
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Projects"), h("span", { "aria-hidden": "true" }, " / ")),
      h("div", { class: "page-head" },
        h("div", null,
          h("h1", null, project.name, " ", project.role && h("span", { class: "badge" }, stateLabel(project.role))),
          project.description && h("p", { class: "muted" }, project.description))));
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

  /** @param {api.Member[]} members */
  function renderMembers(members) {
    replace(membersPanel, h("h2", { id: "members-title" }, "Members"),
      members.length
        ? h("ul", { class: "plain-list members" }, members.map((m) => h("li", null,
          h("span", { class: "avatar", "aria-hidden": "true" }, (m.user.display_name || m.user.username).slice(0, 1).toUpperCase()),
          h("span", { class: "member-name" }, m.user.display_name || m.user.username,
            m.user.display_name && h("span", { class: "muted small" }, ` @${m.user.username}`)),
          h("span", { class: "badge" }, stateLabel(m.role)))))
        : h("p", { class: "muted small" }, "No members yet."));
  }

  async function refreshProject() {
    try {
      const [p, b] = await Promise.all([api.getProject(projectId), api.listBatches(projectId)]);
      if (!alive) return;
      project = p;
      batches = b;
      renderOverview();
      renderBatches();
      syncControls();
    } catch {
      // The grid and the last counts stay usable; the next refresh may work.
    }
  }

  async function load() {
    replace(page, spinner("Loading project…"));
    try {
      const [p, b, members] = await Promise.all([
        api.getProject(projectId), api.listBatches(projectId), api.listMembers(projectId).catch(() => []),
      ]);
      if (!alive) return;
      project = p;
      batches = b;
      renderMembers(members);
    } catch (err) {
      if (!alive) return;
      document.title = "Project · Labelwright";
      replace(page, h("nav", { class: "breadcrumb" }, h("a", { href: "#/" }, "Projects")), errorBox(messageOf(err), load));
      return;
    }
    renderHead();
    renderOverview();
    renderBatches();
    syncControls();
    grid = itemGrid(projectId, filters);
    itemsSection.append(grid.el);
    const upload = canUpload(currentUser(), project) ? uploadBox(projectId, (result) => {
      if (result.added) {
        dropListing();
        grid?.reload();
      }
      refreshProject();
    }) : null;
    const exporter = canExport(currentUser(), project) ? exportBox(projectId) : null;
    replace(page, head, overview,
      h("div", { class: "project-layout" },
        itemsSection,
        h("aside", { class: "project-side", "aria-label": "Project details" }, upload, exporter, batchesPanel, membersPanel)));
  }

  load();

  return {
    update(next) {
      if (Number(next.params.projectId) !== projectId) return false;
      const nextFilters = filtersFromQuery(next.query);
      if (JSON.stringify(nextFilters) !== JSON.stringify(filters)) setFilters(nextFilters);
      return true;
    },
    unmount() {
      alive = false;
      grid?.destroy();
    },
  };
}
