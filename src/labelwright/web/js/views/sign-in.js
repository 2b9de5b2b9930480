// The sign-in page.

import * as api from "../api.js";
import { h } from "../dom.js";
import { messageOf } from "../errors.js";
import { safeNext } from "../router.js";
import { setUser } from "../session.js";

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 */
export function mount(root, route) {
  document.title = "Sign in · Labelwright";
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Sign in");

  /** @param {SubmitEvent} e */
  async function onSubmit(e) {
    e.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      const user = await api.login(username.value.trim(), password.value);
      setUser(user);
      location.replace(safeNext(route.query.next));
    } catch (err) {
      error.textContent = messageOf(err);
      error.hidden = false;
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  }

  root.append(h("div", { class: "signin" },
    h("form", { class: "card signin-card", onsubmit: onSubmit, "aria-labelledby": "signin-title" },
      h("h1", { id: "signin-title" }, "Sign in"),
      h("p", { class: "muted" }, "Sign in to your Labelwright workspace."),
      h("div", { class: "field" }, h("label", { for: "username" }, "Username"), username),
      h("div", { class: "field" }, h("label", { for: "password" }, "Password"), password),
      error,
      submit)));
  username.focus();
}
