import assert from "node:assert/strict";
import { test } from "node:test";

import { readCookie } from "../../src/labelwright/web/js/cookies.js";

test("reads a cookie among others", () => {
  assert.equal(readCookie("a=1; lw_csrf=abc.def; b=2", "lw_csrf"), "abc.def");
  assert.equal(readCookie("lw_csrf=first", "lw_csrf"), "first");
});

test("absent cookies and empty strings give null", () => {
  assert.equal(readCookie("", "lw_csrf"), null);
  assert.equal(readCookie("a=1", "lw_csrf"), null);
  assert.equal(readCookie("x_lw_csrf=1; lw_csrf_old=2", "lw_csrf"), null);
});

test("values are decoded, quotes removed, '=' inside kept", () => {
  assert.equal(readCookie("t=a%20b", "t"), "a b");
  assert.equal(readCookie('t="quoted"', "t"), "quoted");
  assert.equal(readCookie("t=abc==", "t"), "abc==");
  assert.equal(readCookie("t=%E0%A4%A", "t"), "%E0%A4%A");
});
