// Every module of the app parses and its imports resolve (main.js starts the app, so it is only parsed).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const WEB = fileURLToPath(new URL("../../src/labelwright/web/", import.meta.url));

/** @param {string} dir @returns {string[]} */
function jsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsFiles(path) : path.endsWith(".js") ? [path] : [];
  });
}

const files = jsFiles(join(WEB, "js"));

test("there are modules to check", () => {
  assert.ok(files.length > 10);
});

for (const file of files) {
  const name = relative(WEB, file);
  test(`${name} loads`, async () => {
    if (name === join("js", "main.js")) {
      execFileSync(process.execPath, ["--check", file]);
      return;
    }
    await import(pathToFileURL(file).href);
  });
}

test("index.html loads the entry module and the stylesheet", async () => {
  const { readFileSync } = await import("node:fs");
  const html = readFileSync(join(WEB, "index.html"), "utf8");
  assert.match(html, /<script type="module" src="js\/main.js"><\/script>/);
  assert.match(html, /href="app.css"/);
  assert.doesNotMatch(html, /https?:\/\//, "nothing may come from the internet");
});
