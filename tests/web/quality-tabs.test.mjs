import assert from "node:assert/strict";
import { test } from "node:test";

import { tabFromQuery, visibleTabs } from "../../src/labelwright/web/js/project-tabs.js";

test("the quality tab is offered to those who see everyone's work", () => {
  assert.ok(visibleTabs({ seeAllWork: true }).some((t) => t.id === "quality"));
  assert.equal(visibleTabs({ seeAllWork: false }).some((t) => t.id === "quality"), false);
  assert.equal(visibleTabs({ seeAllWork: false }).length, visibleTabs({ seeAllWork: true }).length - 1, "every other tab stays");
  assert.equal(tabFromQuery({ tab: "quality" }), "quality");
});
