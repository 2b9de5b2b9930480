// A project's operations page: client batches, deliveries, webhooks and live activity.

import { projectAbilities } from "../abilities.js";
import * as api from "../api.js";
import { batchPanel } from "../components/batch-panel.js";
import { deliveryPanel } from "../components/delivery-panel.js";
import { activityFeed } from "../components/live-activity.js";
import { webhooksPanel } from "../components/webhooks-panel.js";
import { debounce, errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { currentUser } from "../session.js";

/** Events after which batches or deliveries look different. */
const BATCH_EVENTS = new Set(["item.accepted", "item.rejected", "item.submitted", "batch.completed", "delivery.ready"]);
const DELIVERY_EVENTS = new Set(["delivery.ready", "job.finished"]);

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 * @returns {import("../main.js").ViewHandle}
 */
export function mount(root, route) {
  const projectId = Number(route.params.projectId);
  const page = h("div", { class: "page operations" }, spinner("Loading project…"));
  root.append(page);
  /** @type {Array<() => void>} */
  const stops = [];
  let alive = true;

  async function load() {
    let project;
    try {
      project = await api.getProject(projectId);
    } catch (err) {
      if (alive) replace(page, errorBox(messageOf(err), load));
      return;
    }
    if (!alive) return;
    document.title = `Batches and deliveries · ${project.name} · Labelwright`;
    const can = projectAbilities(currentUser(), project);
    const batches = batchPanel(projectId, { canUpload: can.upload, onChange: () => deliveries.reload() });
    const deliveries = deliveryPanel(projectId, { manage: can.manage, batches: batches.batches });
    const refreshBatches = debounce(() => { batches.reload().then(() => deliveries.reload()); }, 400);
    const feed = activityFeed(projectId, {
      onEvent: (e) => {
        if (BATCH_EVENTS.has(e.kind)) refreshBatches();
        else if (DELIVERY_EVENTS.has(e.kind)) deliveries.reload();
      },
    });
    stops.push(feed.stop, deliveries.stop);
    replace(page,
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" },
        h("a", { href: "#/" }, "Projects"), h("span", { "aria-hidden": "true" }, " / "),
        h("a", { href: `#/projects/${projectId}` }, project.name), h("span", { "aria-hidden": "true" }, " / ")),
      h("h1", null, "Batches and deliveries"),
      h("div", { class: "project-layout" },
        h("div", null, batches.el, deliveries.el, can.manage ? webhooksPanel(projectId).el : null),
        h("aside", { class: "project-side" }, feed.el)));
  }

  load();
  return {
    unmount() {
      alive = false;
      for (const stop of stops) stop();
    },
  };
}
