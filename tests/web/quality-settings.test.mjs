import assert from "node:assert/strict";
import { test } from "node:test";

import { droppedChecks, formValues, parseField, SETTING_FIELDS, settingsFromForm } from "../../src/labelwright/web/js/quality-settings.js";

const field = (id) => SETTING_FIELDS.find((f) => f.id === id);

test("the form shows shares as percentages and fills in defaults", () => {
  const values = formValues({ review_share: 0.25, gold_rate: 0.1, checks: { min_box_size: 8, max_objects: 40 } });
  assert.equal(values.review_share, "25");
  assert.equal(values.gold_rate, "10");
  assert.equal(values.agreement_threshold, "50", "the server's default");
  assert.equal(values.min_box_size, "8");
  assert.equal(values.max_objects, "40");
  assert.equal(formValues({}).max_objects, "", "no limit is a blank field");
  assert.equal(formValues({ review_share: 0.123456789 }).review_share, "12.345679");
});

test("each field checks its range and kind, naming the field", () => {
  assert.deepEqual(parseField(field("review_share"), "40 %"), { value: 0.4 });
  assert.match(/** @type {any} */ (parseField(field("review_share"), "140")).error, /^Review share: from 0 % to 100 %/);
  assert.match(/** @type {any} */ (parseField(field("gold_rate"), "60")).error, /to 50 %/);
  assert.match(/** @type {any} */ (parseField(field("duplicate_iou"), "0")).error, /above 0 %/);
  assert.match(/** @type {any} */ (parseField(field("min_objects"), "2.5")).error, /whole number/);
  assert.match(/** @type {any} */ (parseField(field("min_box_size"), "abc")).error, /"abc" is not a number/);
  assert.match(/** @type {any} */ (parseField(field("min_box_size"), "")).error, /enter a number/);
  assert.deepEqual(parseField(field("max_objects"), " "), { value: null });
  assert.match(/** @type {any} */ (parseField(field("min_box_size"), "-1")).error, /from 0 to 100000/);
});

test("a valid form keeps the project's other settings and checks", () => {
  const current = { order: "priority", lease_seconds: 600, review_share: 1, gold_rate: 0, agreement_threshold: 0.5,
    checks: { forbidden_overlaps: [["car", "truck"]], max_objects: 10 } };
  const values = { ...formValues(current), review_share: "30", min_box_size: "6", max_objects: "" };
  const { settings, errors } = settingsFromForm(values, current);
  assert.deepEqual(errors, {});
  assert.equal(settings.order, "priority");
  assert.equal(settings.lease_seconds, 600);
  assert.equal(settings.review_share, 0.3);
  assert.deepEqual(settings.checks, {
    forbidden_overlaps: [["car", "truck"]], min_box_size: 6, outside_tolerance_px: 1, duplicate_iou: 0.9,
    max_overlap: 0.05, min_objects: 0,
  }, "a blank limit removes it; unedited checks stay");
  assert.deepEqual(current.checks.max_objects, 10, "the current settings are not changed");
});

test("problems are reported by field, including fewest above most", () => {
  const values = { ...formValues({}), gold_rate: "70", min_objects: "5", max_objects: "2" };
  const { errors } = settingsFromForm(values, {});
  assert.deepEqual(Object.keys(errors).sort(), ["gold_rate", "max_objects"]);
  assert.match(errors.max_objects, /at least the fewest/);
});

test("check settings a server did not keep are named", () => {
  const sent = { checks: { min_box_size: 6, max_objects: 9 } };
  assert.deepEqual(droppedChecks(sent, { checks: { min_box_size: 6, max_objects: 9 } }), []);
  assert.deepEqual(droppedChecks(sent, {}), ["Minimum box size", "Most objects per item"]);
});
