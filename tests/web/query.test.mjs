import assert from "node:assert/strict";
import { test } from "node:test";

import { buildQuery, parseQuery, withQuery } from "../../src/labelwright/web/js/query.js";

test("buildQuery drops empty values and keeps order", () => {
  assert.equal(buildQuery({ b: 2, a: "x", c: null, d: undefined, e: "" }), "?b=2&a=x");
  assert.equal(buildQuery({}), "");
  assert.equal(buildQuery({ ok: false, zero: 0 }), "?ok=false&zero=0");
});

test("buildQuery encodes special characters", () => {
  assert.equal(buildQuery({ name: "a b&c=d/é" }), "?name=a+b%26c%3Dd%2F%C3%A9");
});

test("parseQuery reads what buildQuery writes", () => {
  const params = { name: "a b&c=d/é", after: "eyJ4IjoxfQ==" };
  assert.deepEqual(parseQuery(buildQuery(params)), params);
  assert.deepEqual(parseQuery("x=1&x=2"), { x: "2" });
  assert.deepEqual(parseQuery(""), {});
});

test("withQuery appends to a path", () => {
  assert.equal(withQuery("/api/items", { limit: 5 }), "/api/items?limit=5");
  assert.equal(withQuery("/api/items", {}), "/api/items");
});
