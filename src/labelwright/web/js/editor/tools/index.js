// Every tool by name: the editor builds them all once per item.

import { assistTool } from "./assist.js";
import { boxTool } from "./box.js";
import { brushTool } from "./brush.js";
import { clickPointsTool } from "./click-points.js";
import { ellipseTool } from "./ellipse.js";
import { keypointsTool } from "./keypoints.js";
import { rotatedBoxTool } from "./rotated-box.js";
import { selectTool } from "./select.js";

/** Tool names in toolbar order, with their labels. */
export const TOOLS = Object.freeze([
  ["select", "Select"], ["bbox", "Box"], ["polygon", "Polygon"], ["rotated_box", "Rotated box"],
  ["polyline", "Line"], ["points", "Points"], ["ellipse", "Ellipse"], ["keypoints", "Skeleton"],
  ["brush", "Brush"], ["eraser", "Eraser"], ["assist", "AI assist"],
]);

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {Record<string, import("./tool.js").Tool>}
 */
export function makeTools(env) {
  return {
    select: selectTool(env),
    bbox: boxTool(env),
    polygon: clickPointsTool(env, "polygon"),
    rotated_box: rotatedBoxTool(env),
    polyline: clickPointsTool(env, "polyline"),
    points: clickPointsTool(env, "points"),
    ellipse: ellipseTool(env),
    keypoints: keypointsTool(env),
    brush: brushTool(env, false),
    eraser: brushTool(env, true),
    assist: assistTool(env),
  };
}
