/**
 * Kernels on the gradient matrix and the parameters: regularisation gradient, clipping, worker/server
 * momentum, column statistics, axpby and the SGD update, each with its TypeScript reference.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { columnChunk, elementChunk, reductionChunk } from "../gpu/tuning.ts";
import { perElement, perRowChunk } from "./launch.ts";
import { reduceChunks } from "./reduce.ts";

/** Reference of `regularize` on rows of length d (stride d). */
export function regularizeRef(
  G: Float32Array,
  theta: Float32Array,
  rows: number,
  c1: number,
  c2: number,
): void {
  const d = theta.length;
  const norm = Math.sqrt(theta.reduce((a, t) => a + t * t, 0));
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) {
      G[r * d + j] += c1 * Math.sign(theta[j]) + (c2 !== 0 && norm > 0 ? (c2 * theta[j]) / norm : 0);
    }
  }
}

/**
 * The regularisation gradient c1·sign(θ_r) + c2·θ_r/‖θ_r‖₂ added to row r of a gradient matrix: θ_r starts at
 * r·thetaStride of `theta` and its norm is norms[n2 + r·normStride] (strides 0: one shared θ and norm).
 */
export interface Regularization {
  readonly theta: GPUBuffer;
  readonly norms: GPUBuffer;
  readonly n2: number;
  readonly c1: number;
  readonly c2: number;
  readonly thetaStride: number;
  readonly normStride: number;
}

/** Binds G[r] += the regularisation gradient of row r, for `rows` rows of length d, `stride` apart. */
export function regularize(
  gpu: Gpu,
  reg: Regularization,
  G: GPUBuffer,
  rows: number,
  d: number,
  stride: number,
): Dispatch {
  const dummy = storageBuffer(gpu, 4, "regularize-no-partial");
  return regularizePass(gpu, reg, G, dummy, rows, d, stride, false);
}

/**
 * Binds `regularize` followed by the Euclidean norm of each regularised row into `out[outOff + r]` (what
 * `clip` needs): the squares are summed in the regularisation's pass, then the chunks in order. Same bits as
 * `regularize` then `reduceRows(…, Reduce.SumSquares, …, sqrt)`, one read of G less.
 */
export function regularizeWithNorms(
  gpu: Gpu,
  reg: Regularization,
  G: GPUBuffer,
  rows: number,
  d: number,
  stride: number,
  out: GPUBuffer,
  outOff: number,
): Dispatch[] {
  const chunks = Math.ceil(d / reductionChunk(gpu));
  const partial = storageBuffer(gpu, rows * chunks * 4, "regularize-partial");
  return [
    regularizePass(gpu, reg, G, partial, rows, d, stride, true),
    reduceChunks(gpu, partial, rows, chunks, out, outOff, 0, true),
  ];
}

function regularizePass(
  gpu: Gpu,
  reg: Regularization,
  G: GPUBuffer,
  partial: GPUBuffer,
  rows: number,
  d: number,
  stride: number,
  withNorms: boolean,
): Dispatch {
  const ch = withNorms ? reductionChunk(gpu) : elementChunk(gpu, d);
  const chunks = Math.ceil(d / ch);
  const params = new Params().u32(rows).u32(d).u32(stride).u32(chunks).u32(reg.n2).f32(reg.c1).f32(reg.c2)
    .u32(reg.thetaStride).u32(reg.normStride);
  const buffers = [reg.theta, reg.norms, G, partial];
  return perRowChunk(gpu, "regularize.wgsl", params, buffers, rows, chunks, ch, { NORMS: withNorms ? 1 : 0 });
}

/** Reference of `clip`. */
export function clipRef(G: Float32Array, rows: number, d: number, c: number, unit: boolean): void {
  for (let r = 0; r < rows; r++) {
    const row = G.subarray(r * d, (r + 1) * d);
    const norm = Math.sqrt(row.reduce((a, x) => a + x * x, 0));
    if (norm > c) row.forEach((x, j) => row[j] = x * (unit ? 1 / norm : c / norm));
  }
}

/** Binds clipping of each row r by its norm norms[normsOff + r] (threshold c; `unit` = reference-v1). */
export function clip(
  gpu: Gpu,
  norms: GPUBuffer,
  normsOff: number,
  G: GPUBuffer,
  rows: number,
  d: number,
  stride: number,
  c: number,
  unit: boolean,
): Dispatch {
  const ch = elementChunk(gpu, d);
  const chunks = Math.ceil(d / ch);
  const params = new Params().u32(rows).u32(d).u32(stride).f32(c).u32(normsOff).u32(chunks);
  return perRowChunk(gpu, "clip.wgsl", params, [norms, G], rows, chunks, ch, { UNIT: unit ? 1 : 0 });
}

/** Momentum placement handled by the `momentum` kernel. */
export type MomentumMode = "worker" | "server";

/** Reference of `momentum` (M is the worker buffers h×d, or the previous aggregate d for the server). */
export function momentumRef(
  mode: MomentumMode,
  G: Float32Array,
  M: Float32Array,
  S: Float32Array,
  rows: number,
  d: number,
  mu: number,
  damp: number,
): void {
  for (let e = 0; e < rows * d; e++) {
    if (mode === "worker") S[e] = M[e] = mu * M[e] + (1 - damp) * G[e];
    else S[e] = (1 - damp) * G[e] + mu * M[e % d];
  }
}

/** Binds the momentum placement writing the first `rows` rows of S. */
export function momentum(
  gpu: Gpu,
  mode: MomentumMode,
  G: GPUBuffer,
  M: GPUBuffer,
  S: GPUBuffer,
  rows: number,
  d: number,
  mu: number,
  damp: number,
): Dispatch {
  const ch = elementChunk(gpu, d), chunks = Math.ceil(d / ch);
  const params = new Params().u32(rows).u32(d).f32(mu).f32(damp).u32(chunks);
  const constants = { MODE: mode === "worker" ? 0 : 1 };
  return perRowChunk(gpu, "momentum.wgsl", params, [G, M, S], rows, chunks, ch, constants);
}

/** Reference of `colstats`: mean and Σ squared deviations of rows [start, start+count) per column. */
export function colstatsRef(X: Float32Array, start: number, count: number, d: number) {
  const avg = new Float64Array(d), sq = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    if (count === 0) {
      avg[j] = sq[j] = NaN;
      continue;
    }
    let s = 0;
    for (let i = 0; i < count; i++) s += X[(start + i) * d + j];
    avg[j] = s / count;
    for (let i = 0; i < count; i++) sq[j] += (X[(start + i) * d + j] - avg[j]) ** 2;
  }
  return { avg, sq };
}

/**
 * Binds column statistics of rows [start, start+count) into avg[avgOff + j] and sq[sqOff + j], and also
 * into avg[copy.avgOff + j] and sq[copy.sqOff + j] when `copy` is given.
 */
export function colstats(
  gpu: Gpu,
  X: GPUBuffer,
  start: number,
  count: number,
  d: number,
  avg: GPUBuffer,
  avgOff: number,
  sq: GPUBuffer,
  sqOff: number,
  copy?: { readonly avgOff: number; readonly sqOff: number },
): Dispatch {
  const params = new Params().u32(start).u32(count).u32(d).u32(avgOff).u32(sqOff).u32(copy?.avgOff ?? 0)
    .u32(copy?.sqOff ?? 0);
  const ch = columnChunk(gpu);
  const constants = { CH: ch, COPIES: copy ? 2 : 1 };
  return perElement(gpu, "colstats.wgsl", params, [X, avg, sq], Math.ceil(d / ch), constants);
}

/** Binds out[oOff + j] = α·x[xOff + j] + β·y[yOff + j] for j < len (x, y, out distinct buffers). */
export function axpby(
  gpu: Gpu,
  len: number,
  alpha: number,
  x: GPUBuffer,
  xOff: number,
  beta: number,
  y: GPUBuffer,
  yOff: number,
  out: GPUBuffer,
  oOff: number,
): Dispatch {
  const params = new Params().u32(len).u32(xOff).u32(yOff).u32(oOff).f32(alpha).f32(beta);
  return perElement(gpu, "axpby.wgsl", params, [x, y, out], len);
}

/** Static parameters of the SGD update. */
export interface SgdSettings {
  readonly weightDecay: number;
  /** Momentum μ applied at the update (0 when momentum sits at the workers or the server). */
  readonly momentum: number;
  readonly dampening: number;
}

/** Reference of `sgd`: one update of θ (and of the momentum buffer) with aggregate a. */
export function sgdRef(
  a: Float32Array,
  theta: Float32Array,
  buf: Float32Array,
  s: SgdSettings,
  lr: number,
  first: boolean,
): void {
  for (let j = 0; j < theta.length; j++) {
    let v = a[j] + s.weightDecay * theta[j];
    if (s.momentum !== 0) v = buf[j] = first ? v : s.momentum * buf[j] + (1 - s.dampening) * v;
    theta[j] -= lr * v;
  }
}

/** Binds the SGD update; `step` is the per-step uniform block (lr, first-step flag, ...). */
export function sgd(
  gpu: Gpu,
  step: GPUBuffer,
  a: GPUBuffer,
  theta: GPUBuffer,
  buf: GPUBuffer,
  d: number,
  s: SgdSettings,
): Dispatch {
  const params = new Params().u32(d).f32(s.weightDecay).f32(s.momentum).f32(s.dampening);
  const spec = { MOMENTUM: s.momentum !== 0 ? 1 : 0 };
  return perElement(gpu, "sgd.wgsl", params, [step, a, theta, buf], d, spec);
}
