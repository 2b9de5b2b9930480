import assert from "node:assert/strict";
import { test } from "node:test";

import { compileRoutes, hashFor, matchRoute, normalisePath, safeNext, splitHash } from "../../src/labelwright/web/js/router.js";

const routes = compileRoutes({
  signin: "/signin",
  projects: "/",
  project: "/projects/:projectId",
  item: "/projects/:projectId/items/:itemId",
});

test("empty and bare hashes are the project list", () => {
  for (const hash of ["", "#", "#/", "#//"]) assert.equal(matchRoute(hash, routes).name, "projects", hash);
});

test("path parameters made of digits become numbers", () => {
  const r = matchRoute("#/projects/3/items/17", routes);
  assert.equal(r.name, "item");
  assert.deepEqual(r.params, { projectId: 3, itemId: 17 });
});

test("other parameters stay text and are decoded", () => {
  const r = matchRoute("#/projects/a%20b", routes);
  assert.deepEqual(r.params, { projectId: "a b" });
});

test("the query is parsed and does not disturb matching", () => {
  const r = matchRoute("#/projects/3?state=new&name=cat%20", routes);
  assert.equal(r.name, "project");
  assert.deepEqual(r.query, { state: "new", name: "cat " });
});

test("a trailing slash still matches", () => {
  assert.equal(matchRoute("#/projects/3/", routes).name, "project");
});

test("unknown paths are notfound, with their path", () => {
  const r = matchRoute("#/nope/1", routes);
  assert.equal(r.name, "notfound");
  assert.equal(r.path, "/nope/1");
});

test("pattern text is literal, not a regular expression", () => {
  const rs = compileRoutes({ dot: "/a.b" });
  assert.equal(matchRoute("#/a.b", rs).name, "dot");
  assert.equal(matchRoute("#/axb", rs).name, "notfound");
});

test("splitHash and normalisePath", () => {
  assert.deepEqual(splitHash("#/a/b?x=1"), { path: "/a/b", query: { x: "1" } });
  assert.equal(normalisePath("a/b/"), "/a/b");
  assert.equal(normalisePath("/"), "/");
});

test("hashFor leaves out empty values", () => {
  assert.equal(hashFor("/projects/3", { state: "new", name: "" }), "#/projects/3?state=new");
  assert.equal(hashFor("projects/3"), "#/projects/3");
});

test("safeNext only allows this app's own pages", () => {
  assert.equal(safeNext("#/projects/3?state=new"), "#/projects/3?state=new");
  assert.equal(safeNext(undefined), "#/");
  assert.equal(safeNext("https://evil.example/"), "#/");
  assert.equal(safeNext("#/signin?next=x"), "#/");
  assert.equal(safeNext("#//evil.example"), "#/");
});
