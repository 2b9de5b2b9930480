// The list of projects the user can see, and (for admins) a form to start one.

import { canCreateProject } from "../access.js";
import * as api from "../api.js";
import { stateBar } from "../components/state-bar.js";
import { errorBox, h, notify, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate, stateLabel } from "../format.js";
import { currentUser } from "../session.js";

/**
 * @param {HTMLElement} root
 */
export function mount(root) {
  document.title = "Projects · Labelwright";
  const list = h("div", { class: "project-grid", "aria-live": "polite" }, spinner("Loading projects…"));
  const admin = canCreateProject(currentUser());
  const formSlot = h("div");
  const newButton = admin && h("button", {
    type: "button", class: "btn btn-primary", "aria-expanded": "false", "aria-controls": "new-project",
    onclick: () => toggleForm(),
  }, "New project");

  function toggleForm(open = formSlot.childElementCount === 0) {
    if (!newButton) return;
    newButton.setAttribute("aria-expanded", String(open));
    if (!open) {
      formSlot.replaceChildren();
      newButton.focus();
      return;
    }
    const form = newProjectForm(() => toggleForm(false), (project) => {
      location.hash = `#/projects/${project.id}`;
    });
    formSlot.replaceChildren(form);
    form.querySelector("input")?.focus();
  }

  async function load() {
    replace(list, spinner("Loading projects…"));
    try {
      const projects = await api.listProjects();
      if (!projects.length) {
        replace(list, h("div", { class: "empty" },
          h("p", null, "No projects yet."),
          h("p", { class: "muted" }, admin ? "Start one with “New project”." : "Ask an admin to add you to a project.")));
        return;
      }
      replace(list, projects.map(projectCard));
    } catch (err) {
      replace(list, errorBox(messageOf(err), load));
    }
  }

  root.append(h("div", { class: "page" },
    h("div", { class: "page-head" },
      h("div", null, h("h1", null, "Projects"), h("p", { class: "muted" }, "Image sets your team labels together.")),
      newButton),
    formSlot,
    list));
  load();
}

/**
 * @param {api.Project} project
 * @returns {HTMLElement}
 */
function projectCard(project) {
  return h("a", { class: "card project-card", href: `#/projects/${project.id}` },
    h("div", { class: "project-card-head" },
      h("h2", null, project.name),
      project.role && h("span", { class: "badge" }, stateLabel(project.role))),
    h("p", { class: "project-desc" }, project.description || h("span", { class: "muted" }, "No description")),
    stateBar(project.counts, { compact: true }),
    h("p", { class: "muted small" }, `Created ${formatDate(project.created_at)}`));
}

/**
 * @param {() => void} onCancel
 * @param {(project: api.Project) => void} onCreated
 * @returns {HTMLFormElement}
 */
function newProjectForm(onCancel, onCreated) {
  const name = h("input", { id: "np-name", required: true, maxlength: 200 });
  const description = h("textarea", { id: "np-desc", rows: 2 });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create project");
  const form = h("form", {
    id: "new-project", class: "card form-card", "aria-label": "New project",
    onkeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === "Escape") onCancel(); },
    onsubmit: async (/** @type {SubmitEvent} */ e) => {
      e.preventDefault();
      submit.disabled = true;
      error.hidden = true;
      try {
        const project = await api.createProject({ name: name.value.trim(), description: description.value.trim() });
        notify(`Created “${project.name}”.`);
        onCreated(project);
      } catch (err) {
        error.textContent = messageOf(err);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    },
  },
  h("div", { class: "field" }, h("label", { for: "np-name" }, "Name"), name),
  h("div", { class: "field" }, h("label", { for: "np-desc" }, "Description ", h("span", { class: "muted" }, "(optional)")), description),
  error,
  h("div", { class: "form-actions" },
    submit,
    h("button", { type: "button", class: "btn", onclick: onCancel }, "Cancel")));
  return form;
}
