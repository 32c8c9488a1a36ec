/**
 * Max-pooling (PyTorch's MaxPool2d without padding, floor mode) forward and backward: TypeScript references
 * and GPU bindings (shaders/maxpool_forward.wgsl, shaders/maxpool_backward.wgsl). NCHW tensors.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params } from "../gpu/buffers.ts";
import type { Dispatch } from "../gpu/kernel.ts";
import { perElement } from "./launch.ts";
import type { Window } from "./window.ts";

/** Shape of a pooling layer over `planes` = images × channels planes of H×W. */
export interface PoolGeometry {
  readonly H: number;
  readonly W: number;
  readonly k: number;
  readonly stride: number;
}

/** Output height and width: ⌊(in − k)/stride⌋ + 1. */
export function poolOutput(g: PoolGeometry): { OH: number; OW: number } {
  return { OH: Math.floor((g.H - g.k) / g.stride) + 1, OW: Math.floor((g.W - g.k) / g.stride) + 1 };
}

/** Reference forward: maxima and, per output, the flat input index of the selected element (first max; NaN wins). */
export function maxPoolRef(
  g: PoolGeometry,
  planes: number,
  X: ArrayLike<number>,
): { Y: Float64Array; argmax: Uint32Array } {
  const { OH, OW } = poolOutput(g);
  const Y = new Float64Array(planes * OH * OW), argmax = new Uint32Array(Y.length);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < OH; y++) {
      for (let x = 0; x < OW; x++) {
        let best = (p * g.H + y * g.stride) * g.W + x * g.stride;
        for (let i = 0; i < g.k; i++) {
          for (let j = 0; j < g.k; j++) {
            const at = (p * g.H + y * g.stride + i) * g.W + x * g.stride + j;
            if (X[at] > X[best] || Number.isNaN(X[at])) best = at;
          }
        }
        const o = (p * OH + y) * OW + x;
        Y[o] = X[best];
        argmax[o] = best;
      }
    }
  }
  return { Y, argmax };
}

/** Reference backward: each output gradient goes to its selected input; `reluMask` zeroes where X ≤ 0. */
export function maxPoolBackwardRef(
  g: PoolGeometry,
  planes: number,
  X: ArrayLike<number>,
  dY: ArrayLike<number>,
  reluMask = false,
): Float64Array {
  const { argmax } = maxPoolRef(g, planes, X);
  const dX = new Float64Array(planes * g.H * g.W);
  argmax.forEach((at, o) => dX[at] += dY[o]);
  if (reluMask) dX.forEach((_, i) => dX[i] = X[i] > 0 ? dX[i] : 0);
  return dX;
}

/** Binds the forward pass over `planes` planes. */
export function maxPoolForward(gpu: Gpu, g: PoolGeometry, planes: number, X: Window, Y: Window): Dispatch {
  const { OH, OW } = poolOutput(g);
  const count = planes * OH * OW;
  const params = new Params().u32(count).u32(X.off).u32(Y.off);
  return perElement(gpu, "maxpool_forward.wgsl", params, [X.region, Y.region], count, constants(g));
}

/** Binds the backward pass: dX from the pooled input X and the output gradient dY (`reluMask` as above). */
export function maxPoolBackward(
  gpu: Gpu,
  g: PoolGeometry,
  planes: number,
  X: Window,
  dY: Window,
  dX: Window,
  reluMask: boolean,
): Dispatch {
  const count = planes * g.H * g.W;
  const params = new Params().u32(count).u32(X.off).u32(dY.off).u32(dX.off).u32(reluMask ? 1 : 0);
  return perElement(
    gpu,
    "maxpool_backward.wgsl",
    params,
    [X.region, dY.region, dX.region],
    count,
    constants(g),
  );
}

/** Shapes are pipeline constants: llvmpipe then divides by them with multiplications. */
function constants(g: PoolGeometry): Record<string, number> {
  const { OH, OW } = poolOutput(g);
  return { H: g.H, W: g.W, OH, OW, K: g.k, S: g.stride };
}
