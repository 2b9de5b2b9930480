// The responses of GET requests index.html starts before the app runs: each taken once, by its
// path, and none after dropEarly (the address changed, so they may be stale).
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.document = /** @type {any} */ ({ cookie: "" });  // writes read the CSRF cookie
/** @type {string[]} */
const fetched = [];
globalThis.fetch = async (url) => {
  fetched.push(String(url));
  return new Response(JSON.stringify({ from: "network" }), { status: 200 });
};
// What index.html keeps of an answer: its status and its body already parsed.
const early = (body, status = 200) => Promise.resolve({ ok: status < 400, status, parsed: body });
globalThis.labelwrightEarly = new Map([
  ["/api/projects/1/schema", early({ from: "page" })],
  ["/api/projects/1/items/2", early({ from: "page" })],
  ["/api/projects/1/items/2/annotation", early({ from: "page" })],
  ["/api/gone", Promise.reject(new TypeError("Failed to fetch"))],
  ["/api/projects/9/schema", early({ detail: "project 9 does not exist", code: "not_found" }, 404)],
  ["image:/api/projects/1/items/2/display", Promise.resolve({ width: 2048, height: 1536 })],
]);
globalThis.labelwrightEarly.get("/api/gone").catch(() => {});

const api = await import("../../src/labelwright/web/js/api.js");
const remote = await import("../../src/labelwright/web/js/editor/remote.js");

test("a GET the page started is answered by its response, once", async () => {
  assert.deepEqual(await api.request("GET", "/api/projects/1/schema"), { from: "page" });
  assert.deepEqual(fetched, []);
  assert.deepEqual(await api.request("GET", "/api/projects/1/schema"), { from: "network" });
  assert.deepEqual(fetched, ["/api/projects/1/schema"]);
});

test("the editor's own request helper takes them too", async () => {
  assert.deepEqual(await remote.call("GET", "/api/projects/1/items/2"), { from: "page" });
  assert.ok(!fetched.includes("/api/projects/1/items/2"));
});

test("an early answer that is an error is the taker's error", async () => {
  await assert.rejects(api.request("GET", "/api/projects/9/schema"), (err) => err.status === 404);
});

test("a failed early request fails its taker as the network failure it is", async () => {
  await assert.rejects(api.request("GET", "/api/gone"), (err) => err.status === 0 && err.code === "network");
});

test("other methods never take an early response", async () => {
  assert.equal(api.takeEarly("/api/nothing"), undefined);
  fetched.length = 0;
  await remote.call("PUT", "/api/projects/1/items/2/annotation", { body: {}, ifMatch: 0 });
  assert.deepEqual(fetched, ["/api/projects/1/items/2/annotation"]);
});

test("an image the page decoded is taken as an image, once, never as a response", async () => {
  assert.equal(api.takeEarly("/api/projects/1/items/2/display"), undefined);
  const bitmap = api.takeEarlyImage("/api/projects/1/items/2/display");
  assert.deepEqual(await bitmap, { width: 2048, height: 1536 });
  assert.equal(api.takeEarlyImage("/api/projects/1/items/2/display"), undefined);
});

test("after dropEarly nothing the page started is taken", async () => {
  fetched.length = 0;
  api.dropEarly();
  assert.deepEqual(await remote.call("GET", "/api/projects/1/items/2/annotation"), { from: "network" });
  assert.deepEqual(fetched, ["/api/projects/1/items/2/annotation"]);
});
