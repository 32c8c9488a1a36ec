/**
 * Neural-network kernels around the matrix products: batch gathering from the uint8 dataset, ReLU backward,
 * per-worker bias gradients, log-softmax + NLL, per-worker losses and top-k correctness.
 * Each wrapper has its plain TypeScript reference beside it.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, type Region } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { perElement, perGroup } from "./launch.ts";

/** Sentinel target of padding rows. */
export const NO_TARGET = 0xffffffff;

/** Where a batch's indices and per-worker counts sit in the batch buffer (u32 words). */
export interface BatchLayout {
  readonly samples: number;
  readonly perWorker: number;
  readonly idxOff: number;
  readonly cntOff: number;
}

/** Image geometry and per-channel normalisation of a dataset. */
export interface ImageFormat {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Reference of `gather`: images are uint8 CHW, entries' bit 31 flips horizontally. */
export function gatherRef(
  images: Uint8Array,
  labels: Uint8Array,
  batch: Uint32Array,
  l: BatchLayout,
  f: ImageFormat,
): { X: Float32Array; targets: Uint32Array } {
  const plane = f.height * f.width, pixels = f.channels * plane;
  const X = new Float32Array(l.samples * pixels), targets = new Uint32Array(l.samples);
  for (let s = 0; s < l.samples; s++) {
    const valid = s % l.perWorker < batch[l.cntOff + Math.floor(s / l.perWorker)];
    const entry = batch[l.idxOff + s], index = entry & 0x7fffffff, flip = entry >>> 31 === 1;
    targets[s] = valid ? labels[index] : NO_TARGET;
    if (!valid) continue;
    for (let q = 0; q < pixels; q++) {
      const c = Math.floor(q / plane);
      let r = q % plane;
      if (flip) r = r - (r % f.width) + (f.width - 1 - (r % f.width));
      X[s * pixels + q] = Math.fround(
        (Math.fround(images[index * pixels + c * plane + r] / 255) - f.mean[c]) / f.std[c],
      );
    }
  }
  return { X, targets };
}

/** Binds the gather of a batch into X (samples × pixels) and targets (images up to twice the binding limit). */
export function gather(
  gpu: Gpu,
  images: GPUBuffer,
  labels: GPUBuffer,
  batch: GPUBuffer,
  l: BatchLayout,
  f: ImageFormat,
  X: GPUBuffer,
  targets: GPUBuffer,
): Dispatch {
  const plane = f.height * f.width;
  // Four pixels per invocation when rows (hence images and the split) are whole u32 words.
  const words = f.width % 4 === 0;
  const m = [0, 1, 2].map((c) => f.mean[c] ?? 0), s = [0, 1, 2].map((c) => f.std[c] ?? 1);
  // Images larger than one binding are bound as two windows, split at a multiple of the offset alignment.
  const limit = gpu.limits.maxStorageBufferBindingSize;
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  const split = images.size <= limit ? images.size : Math.floor(limit / align) * align;
  const second = images.size <= limit ? images : { buffer: images, offset: split, size: images.size - split };
  const params = new Params().u32(l.samples).u32(0).u32(0).u32(0).u32(0).u32(l.idxOff).u32(l.cntOff).u32(
    split,
  ).f32(m[0]).f32(m[1]).f32(m[2]).f32(0).f32(s[0]).f32(s[1]).f32(s[2])
    .f32(0);
  return perElement(
    gpu,
    "gather.wgsl",
    params,
    [
      images.size <= limit ? images : { buffer: images, offset: 0, size: split },
      labels,
      batch,
      X,
      targets,
      second,
    ],
    l.samples * f.channels * plane / (words ? 4 : 1),
    { PIXELS: f.channels * plane, PLANE: plane, WIDTH: f.width, PER_WORKER: l.perWorker },
    { entry: words ? "main4" : "main" },
  );
}

/** Reference of `nll`: returns dZ and per-sample losses. */
export function nllRef(
  Z: Float32Array,
  targets: Uint32Array,
  classes: number,
  counts: (sample: number) => number,
): { dZ: Float32Array; loss: Float32Array } {
  const samples = targets.length, dZ = new Float32Array(Z.length), loss = new Float32Array(samples);
  for (let s = 0; s < samples; s++) {
    const t = targets[s];
    if (t === NO_TARGET) continue;
    const z = Z.subarray(s * classes, (s + 1) * classes);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((acc, v) => acc + Math.exp(v - m), 0));
    for (let c = 0; c < classes; c++) {
      dZ[s * classes + c] = (Math.exp(z[c] - lse) - (c === t ? 1 : 0)) / counts(s);
    }
    loss[s] = lse - z[t];
  }
  return { dZ, loss };
}

/** Binds log-softmax + NLL forward/backward over `l.samples` rows of `classes` logits. */
export function nll(
  gpu: Gpu,
  Z: GPUBuffer,
  targets: GPUBuffer,
  batch: GPUBuffer,
  l: BatchLayout,
  classes: number,
  dZ: GPUBuffer,
  loss: GPUBuffer,
): Dispatch {
  const params = new Params().u32(l.samples).u32(classes).u32(l.perWorker).u32(l.cntOff);
  return perGroup(gpu, "nll.wgsl", params, [Z, targets, batch, dZ, loss], [Math.ceil(l.samples / 64)], {
    WG: 64,
  });
}

/**
 * Binds the per-worker mean loss plus `c1·norms[n1 + w·normStride] + c2·norms[n2 + w·normStride]`, written to
 * `out[outOff + w]` (normStride 0 by default: one shared θ).
 */
export function workerLoss(
  gpu: Gpu,
  loss: GPUBuffer,
  batch: GPUBuffer,
  l: BatchLayout,
  norms: GPUBuffer,
  reg: { n1: number; n2: number; c1: number; c2: number; normStride?: number },
  out: GPUBuffer,
  outOff: number,
): Dispatch {
  const workers = l.samples / l.perWorker;
  const params = new Params().u32(workers).u32(l.perWorker).u32(l.cntOff).u32(reg.n1).u32(reg.n2).f32(reg.c1)
    .f32(reg.c2).u32(outOff).u32(reg.normStride ?? 0);
  return perGroup(gpu, "worker_loss.wgsl", params, [loss, batch, norms, out], [Math.ceil(workers / 64)]);
}

/** Binds dH ← dH·[H > 0] over `count` elements. */
export function reluBackward(gpu: Gpu, H: GPUBuffer, dH: GPUBuffer, count: number): Dispatch {
  return perElement(gpu, "relu_backward.wgsl", new Params().u32(count), [H, dH], count);
}

/** Reference of `colsum`. */
export function colsumRef(
  dZ: Float32Array,
  workers: number,
  rows: number,
  cols: number,
  out: Float32Array,
  outOff: number,
  outStride: number,
): void {
  for (let w = 0; w < workers; w++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += dZ[(w * rows + r) * cols + j];
      out[outOff + w * outStride + j] = sum;
    }
  }
}

/** Binds per-worker column sums of dZ ((workers·rows) × cols) into `out[outOff + w·outStride + j]`. */
export function colsum(
  gpu: Gpu,
  dZ: GPUBuffer,
  workers: number,
  rows: number,
  cols: number,
  out: GPUBuffer | Region,
  outOff: number,
  outStride: number,
): Dispatch {
  const params = new Params().u32(workers).u32(rows).u32(cols).u32(outOff).u32(outStride);
  return perGroup(gpu, "colsum.wgsl", params, [dZ, out], [Math.ceil(cols / 64), workers], { WG: 64 });
}

/** Reference of `topk` (NaN ranks above everything, as in torch.topk). */
export function topkRef(Z: Float32Array, targets: Uint32Array, classes: number, k: number): Float32Array {
  return Float32Array.from(targets, (t, s) => {
    if (t === NO_TARGET) return 0;
    const zt = Z[s * classes + t];
    if (Number.isNaN(zt)) return 0;
    let above = 0;
    for (let c = 0; c < classes; c++) {
      if (c !== t && (Number.isNaN(Z[s * classes + c]) || Z[s * classes + c] > zt)) above++;
    }
    return above < k ? 1 : 0;
  });
}

/** Binds top-k correctness flags (1/0) of `samples` rows into `correct[outOff + s]`. */
export function topk(
  gpu: Gpu,
  Z: GPUBuffer,
  targets: GPUBuffer,
  samples: number,
  classes: number,
  k: number,
  correct: GPUBuffer,
  outOff: number,
): Dispatch {
  const params = new Params().u32(samples).u32(classes).u32(k).u32(outOff);
  return perGroup(gpu, "topk.wgsl", params, [Z, targets, correct], [Math.ceil(samples / 64)], { WG: 64 });
}
