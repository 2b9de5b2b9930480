// Deliveries: every version with its manifest figures and download; managers make new ones.

import { listFormats, request } from "../api.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatBytes, formatDate, plural } from "../format.js";
import { formatLabel, parseSplit } from "../exports.js";

/**
 * @typedef {object} Delivery
 * @property {number} id
 * @property {number | null} batch_id
 * @property {number} version
 * @property {string} format
 * @property {string} state
 * @property {string} error
 * @property {string} note
 * @property {string} sha256
 * @property {number} size_bytes
 * @property {Record<string, any>} manifest
 * @property {string} created_at
 * @property {string | null} download_url
 */

/**
 * A share as a percentage, or a dash when it is unknown.
 * @param {number | null | undefined} value
 * @returns {string}
 */
function percent(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 1000) / 10}%`;
}

/**
 * @param {Delivery} d
 * @param {Map<number, string>} batchNames
 * @returns {HTMLElement}
 */
function deliveryRow(d, batchNames) {
  const scope = d.batch_id === null ? "Whole project" : batchNames.get(d.batch_id) ?? `Batch ${d.batch_id}`;
  const q = d.manifest.quality ?? {};
  const counts = d.manifest.counts ?? {};
  return h("li", { class: "delivery-row", dataset: { id: String(d.id), state: d.state } },
    h("div", { class: "panel-head" },
      h("strong", null, `${scope} · version ${d.version}`), " ",
      h("span", { class: "badge badge-muted" }, formatLabel(d.format)), " ",
      h("span", { class: `badge ${d.state === "failed" ? "severity-error" : "badge-muted"}` }, d.state),
      h("span", { class: "muted small" }, ` ${formatDate(d.created_at)}`)),
    d.state === "ready" && h("p", { class: "small" },
      `${plural(counts.images ?? 0, "image")}, ${plural(counts.objects ?? 0, "object")} · `,
      `reviewed ${percent(q.review_rate)} · agreement ${percent(q.agreement)} · gold F1 ${percent(q.gold_f1)}`),
    d.state === "failed" && h("p", { class: "form-error" }, d.error),
    d.note && h("p", { class: "muted small" }, d.note),
    d.download_url && h("p", null,
      h("a", { class: "btn", href: d.download_url, download: true }, `Download (${formatBytes(d.size_bytes)})`),
      h("span", { class: "muted small", title: d.sha256 }, ` SHA-256 ${d.sha256.slice(0, 12)}…`)));
}

/**
 * @param {number} projectId
 * @param {{manage: boolean, batches: () => {id: number, name: string}[]}} options
 * @returns {{el: HTMLElement, reload: () => Promise<void>, stop: () => void}}
 */
export function deliveryPanel(projectId, { manage, batches }) {
  const list = h("div", null, spinner("Loading deliveries…"));
  const base = `/api/projects/${projectId}/deliveries`;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  async function reload() {
    clearTimeout(timer);
    try {
      /** @type {Delivery[]} */
      const found = await request("GET", base);
      const names = new Map(batches().map((b) => [b.id, b.name]));
      replace(list, found.length
        ? h("ul", { class: "plain-list delivery-list" }, found.map((d) => deliveryRow(d, names)))
        : h("p", { class: "muted small" }, "Nothing delivered yet."));
      // Live events say when a delivery is ready; polling covers a stream that dropped.
      if (found.some((d) => d.state === "queued")) timer = setTimeout(reload, 2000);
    } catch (err) {
      replace(list, errorBox(messageOf(err), reload));
    }
  }

  const id = (/** @type {string} */ name) => `delivery-${name}-${projectId}`;
  const scope = h("select", { id: id("scope") });
  const format = h("select", { id: id("format") });
  const split = h("input", { id: id("split"), placeholder: "e.g. 80/10/10", autocomplete: "off" });
  const partial = h("input", { id: id("partial"), type: "checkbox" });
  const note = h("input", { id: id("note"), maxlength: 10000, autocomplete: "off" });
  const status = h("p", { class: "upload-status", role: "status" });
  const make = h("button", { type: "submit", class: "btn btn-primary" }, "Deliver");

  function fillScopes() {
    replace(scope, h("option", { value: "" }, "Whole project"),
      batches().map((b) => h("option", { value: String(b.id) }, b.name || `Batch ${b.id}`)));
  }

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    const parsed = parseSplit(split.value);
    if (!parsed.ok) { status.textContent = parsed.error; split.focus(); return; }
    const body = {
      format: format.value, batch_id: scope.value ? Number(scope.value) : null,
      split: parsed.ratios, allow_partial: partial.checked, note: note.value,
    };
    make.disabled = true;
    try {
      /** @type {Delivery} */
      const made = await request("POST", base, { body });
      status.textContent = `Version ${made.version} is being made…`;
      await reload();
    } catch (err) {
      status.textContent = `Not delivered: ${messageOf(err)}`;
    } finally {
      make.disabled = false;
    }
  }

  const form = manage
    ? h("form", { class: "form-card delivery-form", onsubmit: submit, novalidate: true },
      h("h3", null, "Make a delivery"),
      h("div", { class: "field" }, h("label", { for: scope.id }, "What"), scope),
      h("div", { class: "field" }, h("label", { for: format.id }, "Format"), format),
      h("div", { class: "field" }, h("label", { for: split.id }, "Split ", h("span", { class: "muted" }, "(optional)")), split),
      h("div", { class: "field" }, h("label", { for: note.id }, "Note for the client ", h("span", { class: "muted" }, "(optional)")), note),
      h("div", { class: "check" }, partial, h("label", { for: partial.id }, "Deliver the accepted items even if others are not done")),
      h("div", { class: "form-actions" }, make), status)
    : null;

  if (manage) {
    fillScopes();
    listFormats(projectId)
      .then((names) => replace(format, names.map((n) => h("option", { value: n }, formatLabel(n)))))
      .catch((err) => { status.textContent = `Formats did not load: ${messageOf(err)}`; });
  }
  reload();
  const el = h("section", { class: "panel delivery-panel", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Deliveries"), list, form);
  return {
    el,
    reload: async () => {
      if (manage) fillScopes();
      await reload();
    },
    stop: () => clearTimeout(timer),
  };
}
