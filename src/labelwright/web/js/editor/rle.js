// COCO run-length encoding of masks, as pycocotools writes it: runs over the pixels in
// column-major order (down each column, then the next), starting with a run of zeros, and the
// runs packed into the compressed "counts" string (domain/rle.py decodes the same). Pure: no DOM.

/**
 * @typedef {object} Rle
 * @property {[number, number]} size  [height, width]
 * @property {string} counts
 */

/**
 * Pack run lengths into a counts string (pycocotools' rleToString).
 * @param {ArrayLike<number>} runs
 * @returns {string}
 */
export function encodeCounts(runs) {
  let out = "";
  for (let i = 0; i < runs.length; i++) {
    // Runs after the second are stored as the difference from the run two before.
    let x = i > 2 ? runs[i] - runs[i - 2] : runs[i];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/**
 * Unpack a counts string into run lengths; throws on a malformed string.
 * @param {string} counts
 * @returns {number[]}
 */
export function decodeCounts(counts) {
  /** @type {number[]} */
  const runs = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0, k = 0, more = true;
    while (more) {
      if (p >= counts.length) throw new Error("RLE counts string ends in the middle of a number");
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c >= 64) throw new Error(`RLE counts has an invalid character at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (k > 7) throw new Error(`RLE counts has a number too long at ${p}`);
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    if (x < 0) throw new Error(`RLE run ${runs.length} has impossible length ${x}`);
    runs.push(x);
  }
  return runs;
}

/**
 * The RLE of a mask held row by row (1 byte per pixel, non-zero is inside).
 * @param {Uint8Array} mask
 * @param {number} width
 * @param {number} height
 * @returns {Rle}
 */
export function maskToRle(mask, width, height) {
  /** @type {number[]} */
  const runs = [];
  let current = 0, run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < width * height; i += width) {
      const v = mask[i] ? 1 : 0;
      if (v !== current) {
        runs.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  runs.push(run);
  return { size: [height, width], counts: encodeCounts(runs) };
}

/**
 * A mask held row by row from an RLE; throws when the runs do not cover the stated size.
 * @param {Rle} rle
 * @returns {Uint8Array}
 */
export function rleToMask(rle) {
  const [height, width] = rle.size;
  const runs = decodeCounts(rle.counts);
  const total = runs.reduce((a, b) => a + b, 0);
  if (total !== width * height) throw new Error(`RLE runs cover ${total} pixels, but size [${height}, ${width}] has ${width * height}`);
  const mask = new Uint8Array(width * height);
  let pos = 0;
  runs.forEach((run, i) => {
    if (i % 2 === 1) {
      for (let k = pos; k < pos + run; k++) mask[(k % height) * width + Math.floor(k / height)] = 1;
    }
    pos += run;
  });
  return mask;
}

/**
 * The box around a mask's pixels, straight from its runs (no full decode), or null when empty.
 * @param {Rle} rle
 * @returns {import("./geometry.js").Bounds | null}
 */
export function rleBounds(rle) {
  const height = rle.size[0];
  const runs = decodeCounts(rle.counts);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  let pos = 0;
  runs.forEach((run, i) => {
    if (i % 2 === 1 && run > 0) {
      const first = pos, last = pos + run - 1;
      const x0 = Math.floor(first / height), x1 = Math.floor(last / height);
      minX = Math.min(minX, x0);
      maxX = Math.max(maxX, x1 + 1);
      // A run spanning columns covers every row of the columns between.
      minY = Math.min(minY, x1 > x0 ? 0 : first % height);
      maxY = Math.max(maxY, x1 > x0 ? height : (last % height) + 1);
    }
    pos += run;
  });
  return minX === Infinity ? null : { minX, minY, maxX, maxY };
}

/**
 * How many pixels a mask covers.
 * @param {Rle} rle
 * @returns {number}
 */
export function rleArea(rle) {
  return decodeCounts(rle.counts).reduce((sum, run, i) => (i % 2 ? sum + run : sum), 0);
}

/**
 * The mask moved by whole pixels (dx to the right, dy down); what leaves the image is cut off.
 * Works on the runs column by column, so its cost follows the runs, not the image's size.
 * @param {Rle} rle
 * @param {number} dx  whole pixels
 * @param {number} dy  whole pixels
 * @returns {Rle}
 */
export function shiftRle(rle, dx, dy) {
  const [height, width] = rle.size;
  /** @type {number[]} the runs of ones after the move: start, end, start, end… in pixel order */
  const spans = [];
  let pos = 0;
  decodeCounts(rle.counts).forEach((run, i) => {
    if (i % 2 === 1) {
      forEachColumnPart(pos, pos + run, height, (x, y0, y1) => {
        const nx = x + dx, top = Math.max(0, y0 + dy), bottom = Math.min(height, y1 + dy);
        if (nx >= 0 && nx < width && top < bottom) addSpan(spans, nx * height + top, nx * height + bottom);
      });
    }
    pos += run;
  });
  return { size: [height, width], counts: encodeCounts(spansToRuns(spans, width * height)) };
}

/**
 * Split the pixels start..end (column-major) into their parts in each column.
 * @param {number} start
 * @param {number} end  exclusive
 * @param {number} height
 * @param {(x: number, y0: number, y1: number) => void} fn  a column and its rows y0..y1 (exclusive)
 */
function forEachColumnPart(start, end, height, fn) {
  let k = start;
  while (k < end) {
    const x = Math.floor(k / height);
    const stop = Math.min(end, (x + 1) * height);
    fn(x, k - x * height, stop - x * height);
    k = stop;
  }
}

/**
 * Append a run of ones, joining it to the last one when they touch (the end of one column and
 * the top of the next are neighbours in pixel order).
 * @param {number[]} spans
 * @param {number} start
 * @param {number} end
 */
function addSpan(spans, start, end) {
  if (spans.length && spans[spans.length - 1] === start) spans[spans.length - 1] = end;
  else spans.push(start, end);
}

/**
 * Run lengths (zeros first, as COCO has them) from runs of ones in pixel order.
 * @param {number[]} spans  start, end, start, end…
 * @param {number} total    pixels in the image
 * @returns {number[]}
 */
function spansToRuns(spans, total) {
  const runs = [];
  let at = 0;
  for (let i = 0; i < spans.length; i += 2) {
    runs.push(spans[i] - at, spans[i + 1] - spans[i]);
    at = spans[i + 1];
  }
  // pycocotools ends on the last run of ones when the mask reaches the last pixel.
  if (at < total || !runs.length) runs.push(total - at);
  return runs;
}
