import assert from "node:assert/strict";
import { test } from "node:test";

import { canCreateProject, canUpload } from "../../src/labelwright/web/js/access.js";
import { ApiError, errorFromResponse, messageOf } from "../../src/labelwright/web/js/errors.js";

test("the API's error shape gives its message, code and details", () => {
  const err = errorFromResponse(404, { error: { code: "not_found", message: "project 9 does not exist", details: { id: 9 } } });
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 404);
  assert.equal(err.code, "not_found");
  assert.equal(err.message, "project 9 does not exist");
  assert.deepEqual(err.details, { id: 9 });
});

test("other bodies fall back to sensible messages", () => {
  assert.equal(errorFromResponse(403, null).message, "You do not have permission to do that.");
  assert.equal(errorFromResponse(418, "teapot").message, "The request failed (HTTP 418).");
  assert.equal(errorFromResponse(400, { detail: "bad" }).message, "bad");
  assert.equal(errorFromResponse(422, { detail: [{ loc: ["body", "name"], msg: "Field required" }] }).message, "name: Field required");
  assert.equal(errorFromResponse(500, { error: { code: "x", message: "" } }).message, "The server ran into a problem.");
});

test("messageOf", () => {
  assert.equal(messageOf(new ApiError(0, "network", "offline")), "offline");
  assert.equal(messageOf(new Error("boom")), "boom");
  assert.equal(messageOf("?"), "Something went wrong.");
});

test("access helpers", () => {
  assert.equal(canUpload({ is_admin: true }, { role: null }), true);
  assert.equal(canUpload({ is_admin: false }, { role: "manager" }), true);
  assert.equal(canUpload({ is_admin: false }, { role: "client" }), true);
  assert.equal(canUpload({ is_admin: false }, { role: "annotator" }), false);
  assert.equal(canUpload(null, { role: "annotator" }), false);
  assert.equal(canCreateProject({ is_admin: true }), true);
  assert.equal(canCreateProject(null), false);
});
