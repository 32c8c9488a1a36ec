/**
 * Split-d reductions (sum, sum of squares, sum of |x|, max |x|) over rows and dot products between rows,
 * deterministic: each invocation reduces one fixed chunk serially, a second pass sums the chunks in order.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { reductionChunk } from "../gpu/tuning.ts";
import { perGroup, perRowChunk } from "./launch.ts";

/** What a row reduction computes. */
export enum Reduce {
  Sum = 0,
  SumSquares = 1,
  SumAbs = 2,
  MaxAbs = 3,
}

/** Rows `r < rows` of X start at `off + r·stride` and have `len` elements. */
export interface Rows {
  readonly rows: number;
  readonly len: number;
  readonly stride: number;
  readonly off?: number;
}

/** TypeScript reference of `reduceRows` (f64 accumulation; NaN propagates through MaxAbs). */
export function reduceRowsRef(X: Float32Array, r: Rows, mode: Reduce, sqrt = false): Float64Array {
  const out = new Float64Array(r.rows);
  for (let i = 0; i < r.rows; i++) {
    let acc = 0;
    for (let j = 0; j < r.len; j++) {
      const x = X[(r.off ?? 0) + i * r.stride + j];
      if (mode === Reduce.Sum) acc += x;
      else if (mode === Reduce.SumSquares) acc += x * x;
      else if (mode === Reduce.SumAbs) acc += Math.abs(x);
      else acc = Number.isNaN(x) || Number.isNaN(acc) ? NaN : Math.max(acc, Math.abs(x));
    }
    out[i] = sqrt ? Math.sqrt(acc) : acc;
  }
  return out;
}

/** Binds the reduction of each row into `out[outOff + r]` (optionally its square root): two dispatches. */
export function reduceRows(
  gpu: Gpu,
  X: GPUBuffer,
  r: Rows,
  mode: Reduce,
  out: GPUBuffer,
  outOff: number,
  sqrt = false,
): Dispatch[] {
  const ch = reductionChunk(gpu);
  const chunks = Math.ceil(r.len / ch);
  const partial = storageBuffer(gpu, r.rows * chunks * 4, "reduce-partial");
  const first = perRowChunk(
    gpu,
    "reduce_partial.wgsl",
    new Params().u32(r.rows).u32(r.len).u32(r.stride).u32(r.off ?? 0).u32(chunks),
    [X, partial],
    r.rows,
    chunks,
    ch,
    { MODE: mode },
  );
  return [
    first,
    reduceChunks(gpu, partial, r.rows, chunks, out, outOff, mode === Reduce.MaxAbs ? 1 : 0, sqrt),
  ];
}

/** TypeScript reference of `dots`. */
export function dotsRef(
  X: Float32Array,
  stride: number,
  len: number,
  pairs: [number, number][],
): Float64Array {
  return Float64Array.from(pairs, ([a, b]) => {
    let acc = 0;
    for (let j = 0; j < len; j++) acc += X[a * stride + j] * X[b * stride + j];
    return acc;
  });
}

/** Binds ⟨X row a, Y row b⟩ for each pair (a, b) (rows `len` long, `stride` apart) into `out[outOff + q]`. */
export function dots(
  gpu: Gpu,
  X: GPUBuffer,
  Y: GPUBuffer,
  stride: number,
  len: number,
  pairs: readonly (readonly [number, number])[],
  out: GPUBuffer,
  outOff: number,
): Dispatch[] {
  const ch = reductionChunk(gpu);
  const chunks = Math.ceil(len / ch);
  const partial = storageBuffer(gpu, pairs.length * chunks * 4, "dots-partial");
  const pairBuffer = storageBuffer(gpu, pairs.length * 8, "dots-pairs");
  gpu.device.queue.writeBuffer(pairBuffer, 0, Uint32Array.from(pairs.flat()));
  const first = perRowChunk(
    gpu,
    "dots_partial.wgsl",
    new Params().u32(pairs.length).u32(len).u32(stride).u32(chunks),
    [X, Y, pairBuffer, partial],
    pairs.length,
    chunks,
    ch,
  );
  return [first, reduceChunks(gpu, partial, pairs.length, chunks, out, outOff, 0, false)];
}

/**
 * Binds pass 2 of the split-d reductions: `out[outOff + r]` = the sum (mode 0) or NaN-aware maximum (mode 1)
 * of `partial[r·chunks …+chunks)` in chunk order, optionally its square root.
 */
export function reduceChunks(
  gpu: Gpu,
  partial: GPUBuffer,
  rows: number,
  chunks: number,
  out: GPUBuffer,
  outOff: number,
  mode: number,
  sqrt: boolean,
): Dispatch {
  return perGroup(
    gpu,
    "reduce_final.wgsl",
    new Params().u32(rows).u32(chunks).u32(outOff),
    [partial, out],
    [Math.ceil(rows / 64)],
    { MODE: mode, POST: sqrt ? 1 : 0 },
  );
}
