/**
 * Coordinate-wise aggregation: TypeScript references of the per-column statistics (spec 6.4, 12.2; the lower
 * and the true median) and the GPU binding of the generated kernels (shaders/coord_rules.ts).
 *
 * All of them order a column as `Float32Array.prototype.sort` does, which is the kernels' key order: NaN
 * after +∞ (NaN-resilient, spec 6.4 recommendation) and −0 before +0. Sums are accumulated in f32 in the
 * kernels' order.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params } from "../gpu/buffers.ts";
import { bind, type Dispatch, grid } from "../gpu/kernel.ts";
import { loadShader } from "../gpu/shaders.ts";
import { elementwiseGroup } from "../gpu/tuning.ts";
import { type CoordinateKernel, coordinateKey, coordinateWgsl } from "../shaders/coord_rules.ts";
import { ORDER_KEY_WGSL } from "../shaders/sortnet.ts";

/** Applies `statistic` to every column of the n×d matrix given as rows (the column array is reused). */
export function mapColumns(
  rows: readonly Float32Array[],
  statistic: (column: Float32Array) => number,
): Float32Array {
  const d = rows[0].length;
  const column = new Float32Array(rows.length);
  const out = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < rows.length; i++) column[i] = rows[i][j];
    out[j] = statistic(column);
  }
  return out;
}

/** Lower median (spec 6.4): the value of rank ⌊(n−1)/2⌋ of `column`, NaN counted as +∞. */
export function lowerMedian(column: Float32Array): number {
  return column.slice().sort()[(column.length - 1) >> 1];
}

/**
 * True median: the middle value of `column` for an odd count, the mean of the two middle values for an
 * even one (NaN counted as +∞), as the kernels compute it: (a + b)·0.5 in f32.
 */
export function trueMedian(column: Float32Array): number {
  const sorted = column.slice().sort(), half = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[half];
  return Math.fround(Math.fround(sorted[half - 1] + sorted[half]) * 0.5);
}

/** Trimmed mean (spec 12.2): mean of the values of ranks f … n−f−1 of `column`, NaN counted as +∞. */
export function trimmedMean(column: Float32Array, f: number): number {
  const sorted = column.slice().sort();
  let sum = 0;
  for (let i = f; i < sorted.length - f; i++) sum = Math.fround(sum + sorted[i]);
  return Math.fround(sum / (sorted.length - 2 * f));
}

/**
 * Mean of the `k` values of `column` closest to `c` (spec 12.2), by the f32 distance |x − c| with NaN
 * distances counted as +∞; ties go to the lower row index (spec 14). Kept values are summed in row order.
 */
export function closestMean(column: Float32Array, c: number, k: number): number {
  const dist = Array.from(column, (x) => {
    const e = Math.fround(Math.abs(x - c));
    return Number.isNaN(e) ? Infinity : e;
  });
  const order = Array.from(column, (_, i) => i).sort((a, b) => dist[a] - dist[b] || a - b);
  const kept = order.slice(0, k).sort((a, b) => a - b);
  let sum = 0;
  for (const i of kept) sum = Math.fround(sum + column[i]);
  return Math.fround(sum / k);
}

/**
 * Binds the generated kernel over rows 0..n−1 of `input` (row i at i·d), one invocation per coordinate,
 * writing d floats to `output`.
 */
export function coordinateDispatch(
  gpu: Gpu,
  kernel: CoordinateKernel,
  d: number,
  input: GPUBuffer,
  output: GPUBuffer,
): Dispatch {
  const shader = coordinateKey(kernel);
  const wg = elementwiseGroup(gpu);
  const spec = {
    shader,
    code: `${loadShader("common.wgsl")}\n${ORDER_KEY_WGSL}\n${coordinateWgsl(kernel)}`,
    constants: { WG: wg },
  };
  const params = new Params().u32(d).create(gpu, shader);
  return bind(gpu, spec, [params, input, output], grid(Math.ceil(d / wg)));
}
