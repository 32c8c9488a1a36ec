/**
 * Inverted dropout with a counter-based random mask (shaders/dropout.wgsl): whether element j of worker w's
 * batch is kept at step t depends only on (seed, t, layer, w, j), so a step's masks are reproducible and the
 * backward pass regenerates them instead of storing them. Training mode only (the reference's forward
 * passes run in evaluation mode, where dropout is the identity: spec 5.1, QUIRK 3).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { perElement } from "./launch.ts";
import type { Window } from "./window.ts";

/** lowbias32 (Chris Wellons), as in the shader. */
function hash(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

function combine(h: number, v: number): number {
  return hash(h ^ ((v + 0x9e3779b9 + ((h << 6) >>> 0) + (h >>> 2)) >>> 0));
}

/** Identifies one dropout layer's masks: run seed, layer number and probability of zeroing. */
export interface DropoutKey {
  readonly seed: number;
  readonly layer: number;
  readonly p: number;
}

/** The threshold below which a 32-bit draw zeroes the element (p·2³²). */
function threshold(p: number): number {
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}

/** Reference: whether element `index` of worker `worker`'s batch is kept at `step`. */
export function dropoutKeeps(key: DropoutKey, step: number, worker: number, index: number): boolean {
  const seedLo = key.seed % 2 ** 32, seedHi = Math.floor(key.seed / 2 ** 32);
  const k = combine(combine(combine(combine(hash(seedLo), seedHi), step), key.layer), worker);
  return combine(k, index) >= threshold(key.p);
}

/**
 * Binds dropout in place on `images` images of `perSample` floats starting at sample `firstSample`
 * (worker = sample / perWorker); `step` is a 16-byte uniform buffer whose first u32 is the step number.
 */
export function dropout(
  gpu: Gpu,
  key: DropoutKey,
  step: GPUBuffer,
  images: number,
  perSample: number,
  perWorker: number,
  firstSample: number,
  X: Window,
): Dispatch {
  const count = images * perSample;
  const params = new Params().u32(count).u32(X.off).u32(firstSample)
    .u32(key.seed % 2 ** 32).u32(Math.floor(key.seed / 2 ** 32)).u32(key.layer).u32(threshold(key.p))
    .f32(1 / (1 - key.p));
  return perElement(gpu, "dropout.wgsl", params, [step, X.region], count, { perSample, perWorker });
}
