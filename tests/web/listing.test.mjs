import assert from "node:assert/strict";
import { test } from "node:test";

import { addPage, dropListing, getListing, startListing } from "../../src/labelwright/web/js/listing-cache.js";
import {
  ITEM_STATES, filtersFromQuery, filtersToQuery, listingKey, neighbourId, pageQuery,
} from "../../src/labelwright/web/js/listing.js";
import { buildQuery } from "../../src/labelwright/web/js/query.js";

const NONE = { cls: "", annotator: "", minObjects: "", maxObjects: "" };

test("filters from a query drop unknown values", () => {
  assert.deepEqual(filtersFromQuery({}), { state: "", batch: "", name: "", order: "id", ...NONE });
  assert.deepEqual(filtersFromQuery({ state: "in_review", batch: "4", name: "cat_", order: "name" }),
    { state: "in_review", batch: "4", name: "cat_", order: "name", ...NONE });
  assert.deepEqual(filtersFromQuery({ state: "bogus", batch: "x1", order: "size" }),
    { state: "", batch: "", name: "", order: "id", ...NONE });
});

test("annotation filters: class ids, user ids and object counts, or nothing", () => {
  const f = filtersFromQuery({ class: "traffic-light", annotator: "12", min_objects: "0", max_objects: "5" });
  assert.deepEqual([f.cls, f.annotator, f.minObjects, f.maxObjects], ["traffic-light", "12", "0", "5"]);
  const bad = filtersFromQuery({ class: "a b<script>", annotator: "-1", min_objects: "1e3", max_objects: "9999999999" });
  assert.deepEqual([bad.cls, bad.annotator, bad.minObjects, bad.maxObjects], ["", "", "", ""]);
});

test("filters round-trip through a route query, leaving defaults out", () => {
  const f = { state: "new", batch: "", name: "a b", order: /** @type {const} */ ("id"), ...NONE };
  assert.deepEqual(filtersToQuery(f), { state: "new", name: "a b" });
  assert.deepEqual(filtersFromQuery(filtersToQuery(f)), f);
  const g = { ...f, cls: "car", annotator: "3", minObjects: "2", maxObjects: "" };
  assert.deepEqual(filtersToQuery(g), { state: "new", name: "a b", class: "car", annotator: "3", min_objects: "2" });
  assert.deepEqual(filtersFromQuery(filtersToQuery(g)), g);
});

test("the page query names only what is set", () => {
  const f = filtersFromQuery({ state: "new", name: "img" });
  assert.equal(buildQuery(pageQuery(f, null, 50)), "?state=new&name=img&limit=50");
  assert.equal(buildQuery(pageQuery(filtersFromQuery({ order: "name", batch: "2" }), "abc", 10)),
    "?batch=2&order=name&after=abc&limit=10");
  assert.equal(buildQuery(pageQuery(filtersFromQuery({ class: "car", annotator: "4", min_objects: "0", max_objects: "3" }), null, 5)),
    "?class=car&annotator=4&min_objects=0&max_objects=3&limit=5");
});

test("listing keys differ when any filter differs", () => {
  const a = filtersFromQuery({ state: "new" });
  assert.equal(listingKey(1, a), listingKey(1, { ...a }));
  assert.notEqual(listingKey(1, a), listingKey(2, a));
  assert.notEqual(listingKey(1, a), listingKey(1, { ...a, name: "x" }));
  assert.notEqual(listingKey(1, a), listingKey(1, { ...a, cls: "car" }));
  assert.notEqual(listingKey(1, a), listingKey(1, { ...a, maxObjects: "0" }));
});

test("neighbourId steps within bounds", () => {
  const ids = [5, 9, 12];
  assert.equal(neighbourId(ids, 9, 1), 12);
  assert.equal(neighbourId(ids, 9, -1), 5);
  assert.equal(neighbourId(ids, 12, 1), null);
  assert.equal(neighbourId(ids, 5, -1), null);
  assert.equal(neighbourId(ids, 7, 1), null);
});

test("the states are the server's workflow states", () => {
  assert.deepEqual([...ITEM_STATES], ["new", "prelabeled", "annotating", "submitted", "in_review", "accepted", "rejected", "delivered"]);
});

test("the listing cache keeps one listing and skips repeated items", () => {
  const f = filtersFromQuery({});
  const l = startListing(1, f);
  const item = (id) => /** @type {any} */ ({ id });
  addPage(l, { items: [item(1), item(2)], next: "c1" });
  addPage(l, { items: [item(2), item(3)], next: null });
  assert.deepEqual(l.items.map((i) => i.id), [1, 2, 3]);
  assert.equal(l.done, true);
  assert.equal(getListing(1, f), l);
  assert.equal(getListing(1, { ...f, state: "new" }), null);
  dropListing();
  assert.equal(getListing(1, f), null);
});
