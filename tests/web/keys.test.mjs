import assert from "node:assert/strict";
import { test } from "node:test";

import { actionFor, isTypingTarget, keyName } from "../../src/labelwright/web/js/keys.js";

test("key names put modifiers first and leave Shift out of printable keys", () => {
  assert.equal(keyName({ key: "ArrowLeft" }), "ArrowLeft");
  assert.equal(keyName({ key: "ArrowLeft", shiftKey: true }), "Shift+ArrowLeft");
  assert.equal(keyName({ key: "+", shiftKey: true }), "+");
  assert.equal(keyName({ key: "s", ctrlKey: true }), "Ctrl+s");
  assert.equal(keyName({ key: " " }), "Space");
});

test("actionFor finds bindings and nothing else", () => {
  const keys = { ArrowLeft: "prev", "Shift+ArrowLeft": "prevFrame", f: "fit" };
  assert.equal(actionFor(keys, { key: "ArrowLeft" }), "prev");
  assert.equal(actionFor(keys, { key: "ArrowLeft", shiftKey: true }), "prevFrame");
  assert.equal(actionFor(keys, { key: "ArrowLeft", ctrlKey: true }), null);
  assert.equal(actionFor(keys, { key: "F", shiftKey: true }), "fit");
  assert.equal(actionFor(keys, { key: "toString" }), null);
});

test("typing targets keep their keys; buttons and sliders do not", () => {
  assert.equal(isTypingTarget({ tagName: "INPUT", type: "text" }), true);
  assert.equal(isTypingTarget({ tagName: "INPUT", type: "search" }), true);
  assert.equal(isTypingTarget({ tagName: "input" }), true);
  assert.equal(isTypingTarget({ tagName: "TEXTAREA" }), true);
  assert.equal(isTypingTarget({ tagName: "SELECT" }), true);
  assert.equal(isTypingTarget({ tagName: "DIV", isContentEditable: true }), true);
  assert.equal(isTypingTarget({ tagName: "INPUT", type: "range" }), false);
  assert.equal(isTypingTarget({ tagName: "BUTTON" }), false);
  assert.equal(isTypingTarget(null), false);
});
