// The keypoint tool: click the nodes of the class's skeleton in order; `o` places the next one
// as occluded (so does Shift+click), `n` skips it (not visible); Backspace steps back.

import { drawDraftPath } from "./tool.js";

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {import("./tool.js").Tool}
 */
export function keypointsTool(env) {
  /** @type {[number, number, number][]} */
  let placed = [];
  let occludedNext = false;

  const skeleton = () => env.classFor("keypoints")?.skeleton ?? null;

  function prompt() {
    const sk = skeleton();
    if (!sk) {
      env.say("No class of this project has a keypoint skeleton");
      return;
    }
    const next = sk.nodes[placed.length];
    if (next) env.say(`Place “${next}”${occludedNext ? " (occluded)" : ""} — o: occluded, n: skip`);
  }

  /** @param {[number, number, number]} p */
  function place(p) {
    const sk = skeleton();
    if (!sk) return prompt();
    placed.push(p);
    occludedNext = false;
    if (placed.length >= sk.nodes.length) {
      const points = placed;
      placed = [];
      if (points.some((q) => q[2] > 0)) env.create("keypoints", { kind: "keypoints", points });
      else env.say("Every node was skipped: nothing added");
    } else prompt();
    env.redraw();
  }

  return {
    name: "keypoints",
    cursor: "crosshair",
    down(p) {
      place([p.x, p.y, p.shift || occludedNext ? 1 : 2]);
    },
    key(action) {
      if (action === "occluded") {
        occludedNext = !occludedNext;
        prompt();
        return true;
      }
      if (action === "skipNode") {
        place([0, 0, 0]);
        return true;
      }
      if (action === "backspace" && placed.length) {
        placed.pop();
        prompt();
        env.redraw();
        return true;
      }
      return false;
    },
    draw(ctx, scale) {
      const sk = skeleton();
      if (!sk || !placed.length) return;
      for (const [a, b] of sk.edges) {
        const p = placed[a], q = placed[b];
        if (p && q && p[2] && q[2]) drawDraftPath(ctx, scale, [p, q], false);
      }
      drawDraftPath(ctx, scale, placed.filter((p) => p[2] > 0).map((p) => [p[0], p[1]]), false);
    },
    busy: () => placed.length > 0,
    cancel() {
      placed = [];
      occludedNext = false;
      env.redraw();
      prompt();
    },
  };
}
