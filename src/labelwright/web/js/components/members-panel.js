// Members and roles: everyone sees the list; managers add people, change roles, remove them.

import * as api from "../api.js";
import { PROJECT_ROLES, ROLE_HINTS } from "../abilities.js";
import { errorBox, h, notify, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { stateLabel } from "../format.js";
import * as projectApi from "../project-api.js";

/**
 * @param {number} projectId
 * @param {object} options
 * @param {boolean} options.manage     show the controls that change membership
 * @param {number | null} options.selfId  the signed-in user, to warn before they remove themselves
 * @param {(members: api.Member[]) => void} [options.onChange]  after the list (re)loads
 * @returns {{el: HTMLElement, reload: () => void}}
 */
export function membersPanel(projectId, { manage, selfId, onChange }) {
  const id = (/** @type {string} */ name) => `members-${name}-${projectId}`;
  const list = h("div", { class: "members-body" }, spinner("Loading members…"));
  const formError = h("p", { class: "form-error", role: "alert", hidden: true });
  const who = h("input", { id: id("user"), required: true, autocomplete: "off", spellcheck: "false", placeholder: "username", maxlength: 64 });
  const role = roleSelect(id("role"), "annotator");
  const addBtn = h("button", { type: "submit", class: "btn btn-primary" }, "Add member");
  const form = manage && h("form", { class: "member-add", onsubmit: add },
    h("div", { class: "field grow" }, h("label", { for: who.id }, "Username"), who),
    h("div", { class: "field" }, h("label", { for: role.id }, "Role"), role),
    addBtn, formError);
  const el = h("section", { class: "panel members-panel", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Members"),
    form, list,
    h("dl", { class: "role-hints muted small" }, PROJECT_ROLES.flatMap((r) => [h("dt", null, stateLabel(r)), h("dd", null, ROLE_HINTS[r])])));

  async function reload() {
    try {
      const members = await api.listMembers(projectId);
      render(members);
      onChange?.(members);
    } catch (err) {
      replace(list, errorBox(messageOf(err), reload));
    }
  }

  /** @param {api.Member[]} members */
  function render(members) {
    if (!members.length) {
      replace(list, h("p", { class: "muted small" }, "No members yet."));
      return;
    }
    replace(list, h("ul", { class: "plain-list members" }, members.map(row)));
  }

  /** @param {api.Member} m */
  function row(m) {
    const name = m.user.display_name || m.user.username;
    const label = `Role of ${name}`;
    return h("li", null,
      h("span", { class: "avatar", "aria-hidden": "true" }, name.slice(0, 1).toUpperCase()),
      h("span", { class: "member-name" }, name, m.user.display_name && h("span", { class: "muted small" }, ` @${m.user.username}`),
        !m.user.is_active && h("span", { class: "badge badge-muted" }, "inactive")),
      manage
        ? [roleSelect(`${id("role")}-${m.user.id}`, m.role, label, (value) => changeRole(m, value)),
          h("button", { type: "button", class: "btn btn-quiet small", "aria-label": `Remove ${name}`, onclick: () => remove(m) }, "Remove")]
        : h("span", { class: "badge" }, stateLabel(m.role)));
  }

  /** @param {Event} e */
  async function add(e) {
    e.preventDefault();
    const ref = who.value.trim();
    if (!ref) {
      showError("Type the username of the person to add.");
      who.focus();
      return;
    }
    addBtn.disabled = true;
    try {
      const member = await projectApi.putMember(projectId, ref, role.value);
      showError("");
      who.value = "";
      notify(`${member.user.display_name || member.user.username} is now ${member.role === "annotator" ? "an" : "a"} ${member.role}.`);
      await reload();
    } catch (err) {
      showError(messageOf(err));
    } finally {
      addBtn.disabled = false;
    }
  }

  /**
   * @param {api.Member} m
   * @param {string} value
   */
  async function changeRole(m, value) {
    try {
      await projectApi.putMember(projectId, String(m.user.id), value);
      notify(`${m.user.username} is now ${value === "annotator" ? "an" : "a"} ${value}.`);
    } catch (err) {
      notify(messageOf(err), "error");
    }
    reload();
  }

  /** @param {api.Member} m */
  async function remove(m) {
    const self = m.user.id === selfId;
    const question = self
      ? "Remove yourself from this project? You will lose access to it."
      : `Remove ${m.user.username} from this project? Their annotations stay.`;
    if (!window.confirm(question)) return;
    try {
      await projectApi.removeMember(projectId, String(m.user.id));
      notify(`${m.user.username} was removed.`);
    } catch (err) {
      notify(messageOf(err), "error");
    }
    reload();
  }

  /** @param {string} message */
  function showError(message) {
    formError.textContent = message;
    formError.hidden = !message;
  }

  reload();
  return { el, reload };
}

/**
 * @param {string} id
 * @param {string} value
 * @param {string} [label]  an accessible name when there is no visible label
 * @param {(value: string) => void} [onChange]
 * @returns {HTMLSelectElement}
 */
function roleSelect(id, value, label, onChange) {
  const select = h("select", {
    id, "aria-label": label, class: onChange ? "role-select" : null,
    onchange: onChange ? () => onChange(select.value) : null,
  }, PROJECT_ROLES.map((r) => h("option", { value: r, title: ROLE_HINTS[r] }, stateLabel(r))));
  select.value = value;
  return select;
}
