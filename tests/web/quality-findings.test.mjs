import assert from "node:assert/strict";
import { test } from "node:test";

import { checkChoices, checkLabel, countBySeverity, filterFindings, findingHref } from "../../src/labelwright/web/js/findings.js";
import { matchRoute, compileRoutes } from "../../src/labelwright/web/js/router.js";

const finding = (item_id, check, severity, object_id = "o1") => ({ item_id, file_name: `f${item_id}.png`, object_id, check, severity, score: 1, message: "" });

test("a finding links to its item in the editor with the object selected", () => {
  const href = findingHref(3, { item_id: 17, object_id: "a b/c" });
  assert.equal(href, "#/projects/3/items/17/edit?select=a+b%2Fc");
  const route = matchRoute(href, compileRoutes({ editItem: "/projects/:projectId/items/:itemId/edit" }));
  assert.equal(route.name, "editItem");
  assert.equal(route.params.itemId, 17);
  assert.equal(route.query.select, "a b/c", "the object id survives the round trip");
  assert.equal(findingHref(3, { item_id: 4, object_id: null }), "#/projects/3/items/4/edit", "item-wide findings select nothing");
});

test("checks in words", () => {
  assert.equal(checkLabel("min_box_size"), "Small object");
  assert.equal(checkLabel("near_duplicate"), "Near-duplicate");
  assert.equal(checkLabel("model:wrong_class"), "Model: wrong class");
  assert.equal(checkLabel("some_new_rule"), "Some new rule");
  assert.equal(checkLabel("model:"), "Model: model:");
});

test("counting, filtering and the check menu", () => {
  const list = [finding(1, "min_box_size", "warning"), finding(2, "outside_image", "error"), finding(3, "min_box_size", "warning"), finding(4, "model:missed", "warning", null)];
  assert.deepEqual(countBySeverity(list), { error: 1, warning: 3, info: 0 });
  assert.deepEqual(filterFindings(list, { severities: ["warning"], check: "" }).map((f) => f.item_id), [1, 3, 4]);
  assert.deepEqual(filterFindings(list, { severities: ["error", "warning"], check: "min_box_size" }).map((f) => f.item_id), [1, 3]);
  assert.deepEqual(checkChoices(list).map((c) => [c.check, c.count]), [["min_box_size", 2], ["model:missed", 1], ["outside_image", 1]]);
});
