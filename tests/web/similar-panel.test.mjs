import assert from "node:assert/strict";
import { test } from "node:test";

import { emptyText, failureText, scoreText, similarPath, SIMILAR_COUNT } from "../../src/labelwright/web/js/similar.js";

test("the request asks for a bounded number of matches", () => {
  assert.equal(similarPath(3, 41), `/api/projects/3/items/41/similar?k=${SIMILAR_COUNT}`);
  assert.equal(similarPath(3, 41, 0), "/api/projects/3/items/41/similar?k=1");
  assert.equal(similarPath(3, 41, 500), "/api/projects/3/items/41/similar?k=100");
});

test("scores read as percentages, never below 0 or above 100", () => {
  assert.equal(scoreText(0.978), "97% alike");
  assert.equal(scoreText(1), "100% alike");
  assert.equal(scoreText(1.0000002), "100% alike");
  assert.equal(scoreText(-0.2), "0% alike");
  assert.equal(scoreText(Number.NaN), "0% alike");
});

test("an empty answer and failures say what to do", () => {
  assert.equal(emptyText({ item_id: 1, model: "m", items: [] }), "No other item has an embedding yet.");
  const one = { item_id: 2, file_name: "a.png", score: 0.9, thumbnail_url: "/t" };
  assert.equal(emptyText({ item_id: 1, model: "m", items: [one] }), null);
  const noEmbeddings = "project 'p' has no embeddings of model 'm' yet: run the embed job";
  assert.equal(failureText({ status: 409, message: noEmbeddings }), noEmbeddings);
  assert.equal(failureText({ status: 404, message: "item 9 does not exist" }), "This item is gone.");
  assert.equal(failureText({ status: 0, message: "" }), "Similar images could not be loaded.");
});
