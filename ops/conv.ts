/**
 * 2-D convolution (PyTorch's Conv2d: cross-correlation, zero padding, stride) forward, input gradient and
 * per-worker weight gradient: TypeScript references and GPU bindings (kernels in shaders/conv.ts).
 * Tensors are NCHW, weights OIHW, as in the flat parameter vector (spec 5.1).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, type Region, storageBuffer } from "../gpu/buffers.ts";
import { bind, type Dispatch } from "../gpu/kernel.ts";
import { convTiling, convWeightGradTiling } from "../gpu/tuning.ts";
import {
  CONV_PARAMS,
  CONV_WGRAD_PARAMS,
  type ConvVariant,
  convWeightGradWgsl,
  convWeightsWgsl,
  convWgsl,
} from "../shaders/conv.ts";
import { perElement } from "./launch.ts";
import { colsum } from "./nn.ts";
import type { Window } from "./window.ts";

/** Shape of a convolution layer (square stride and padding). */
export interface ConvGeometry {
  readonly inC: number;
  readonly outC: number;
  readonly inH: number;
  readonly inW: number;
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  readonly pad: number;
}

/** Output height and width: ⌊(in + 2·pad − k)/stride⌋ + 1. */
export function convOutput(g: ConvGeometry): { outH: number; outW: number } {
  return {
    outH: Math.floor((g.inH + 2 * g.pad - g.kh) / g.stride) + 1,
    outW: Math.floor((g.inW + 2 * g.pad - g.kw) / g.stride) + 1,
  };
}

/** Reference forward pass of `images` images (f64 accumulation): W at `wOff`, bias at `biasOff`. */
export function convForwardRef(
  g: ConvGeometry,
  images: number,
  X: ArrayLike<number>,
  W: ArrayLike<number>,
  wOff = 0,
  bias?: { readonly values: ArrayLike<number>; readonly off: number },
): Float64Array {
  const { outH, outW } = convOutput(g);
  const Y = new Float64Array(images * g.outC * outH * outW);
  for (let n = 0; n < images; n++) {
    for (let o = 0; o < g.outC; o++) {
      for (let y = 0; y < outH; y++) {
        for (let x = 0; x < outW; x++) {
          let sum = bias ? bias.values[bias.off + o] : 0;
          eachTap(g, y, x, (i, iy, ix, k) => {
            sum += W[wOff + (o * g.inC + i) * g.kh * g.kw + k] *
              X[((n * g.inC + i) * g.inH + iy) * g.inW + ix];
          });
          Y[((n * g.outC + o) * outH + y) * outW + x] = sum;
        }
      }
    }
  }
  return Y;
}

/** Reference input gradient: dX = ∂(Σ dY·conv(X))/∂X, by scattering each output's gradient to its taps. */
export function convInputGradRef(
  g: ConvGeometry,
  images: number,
  dY: ArrayLike<number>,
  W: ArrayLike<number>,
  wOff = 0,
): Float64Array {
  const { outH, outW } = convOutput(g);
  const dX = new Float64Array(images * g.inC * g.inH * g.inW);
  for (let n = 0; n < images; n++) {
    for (let o = 0; o < g.outC; o++) {
      for (let y = 0; y < outH; y++) {
        for (let x = 0; x < outW; x++) {
          const d = dY[((n * g.outC + o) * outH + y) * outW + x];
          eachTap(g, y, x, (i, iy, ix, k) => {
            dX[((n * g.inC + i) * g.inH + iy) * g.inW + ix] += W[wOff + (o * g.inC + i) * g.kh * g.kw + k] *
              d;
          });
        }
      }
    }
  }
  return dX;
}

/** Reference weight gradient summed over images [first, first + count): OIHW. */
export function convWeightGradRef(
  g: ConvGeometry,
  first: number,
  count: number,
  X: ArrayLike<number>,
  dY: ArrayLike<number>,
): Float64Array {
  const { outH, outW } = convOutput(g);
  const dW = new Float64Array(g.outC * g.inC * g.kh * g.kw);
  for (let n = first; n < first + count; n++) {
    for (let o = 0; o < g.outC; o++) {
      for (let y = 0; y < outH; y++) {
        for (let x = 0; x < outW; x++) {
          const d = dY[((n * g.outC + o) * outH + y) * outW + x];
          eachTap(g, y, x, (i, iy, ix, k) => {
            dW[(o * g.inC + i) * g.kh * g.kw + k] += d * X[((n * g.inC + i) * g.inH + iy) * g.inW + ix];
          });
        }
      }
    }
  }
  return dW;
}

/** Calls `f(input channel, input row, input column, tap index)` for each in-range tap of output (y, x). */
function eachTap(
  g: ConvGeometry,
  y: number,
  x: number,
  f: (i: number, iy: number, ix: number, k: number) => void,
): void {
  for (let i = 0; i < g.inC; i++) {
    for (let ky = 0; ky < g.kh; ky++) {
      const iy = y * g.stride + ky - g.pad;
      if (iy < 0 || iy >= g.inH) continue;
      for (let kx = 0; kx < g.kw; kx++) {
        const ix = x * g.stride + kx - g.pad;
        if (ix >= 0 && ix < g.inW) f(i, iy, ix, ky * g.kw + kx);
      }
    }
  }
}

/** Where a pass finds the layer's parameters in θ (worker w's at `thetaStride·w` further; 0 = shared). */
export interface ConvParams {
  readonly theta: GPUBuffer;
  readonly wOff: number;
  readonly biasOff?: number;
  readonly thetaStride: number;
  readonly perWorker: number;
}

/** Weights re-laid out for one pass's kernel (see `convWeightsWgsl`), and the dispatch that does it. */
export interface PreparedWeights {
  readonly buffer: GPUBuffer;
  /** Number of copies: 1 (shared θ) or one per worker. */
  readonly copies: number;
  readonly dispatch: Dispatch;
}

/** Kernel dimensions of a pass: the forward correlation, or the input gradient's. */
function passDims(g: ConvGeometry, pass: "forward" | "input") {
  const { outH, outW } = convOutput(g);
  return pass === "forward"
    ? { IC: g.inC, OC: g.outC, IH: g.inH, IW: g.inW, OH: outH, OW: outW }
    : { IC: g.outC, OC: g.inC, IH: outH, IW: outW, OH: g.inH, OW: g.inW };
}

/** Binds the re-layout of the layer's weights for `pass`, for `workers` workers. */
export function prepareWeights(
  gpu: Gpu,
  g: ConvGeometry,
  p: ConvParams,
  pass: "forward" | "input",
  workers: number,
): PreparedWeights {
  const dims = passDims(g, pass);
  const t = convTiling(gpu, dims.OC, dims.OW);
  const ocp = Math.ceil(dims.OC / t.rows) * t.rows;
  const copies = p.thetaStride === 0 ? 1 : workers;
  const count = copies * dims.IC * g.kh * g.kw * ocp;
  const buffer = storageBuffer(gpu, count * 4, `conv-weights-${pass}`);
  const flip = pass === "input";
  const dispatch = perElement(
    gpu,
    `conv-weights-${flip ? "input" : "forward"}`,
    new Params().u32(count).u32(p.wOff).u32(p.thetaStride),
    [p.theta, buffer],
    count,
    { IC: dims.IC, OC: dims.OC, OCp: ocp, KH: g.kh, KW: g.kw },
    { code: convWeightsWgsl(flip) },
  );
  return { buffer, copies, dispatch };
}

/** Binds the forward pass (+bias, optional ReLU) of `images` images, the first being sample `firstSample`. */
export function convForward(
  gpu: Gpu,
  g: ConvGeometry,
  p: ConvParams,
  weights: PreparedWeights,
  images: number,
  firstSample: number,
  X: Window,
  Y: Window,
  relu: boolean,
): Dispatch {
  return correlation(
    gpu,
    { kh: g.kh, kw: g.kw, stride: g.stride, dilation: 1, padH: g.pad, padW: g.pad },
    passDims(g, "forward"),
    p,
    weights,
    images,
    firstSample,
    X,
    Y,
    { bias: p.biasOff !== undefined, relu },
  );
}

/** Binds the input gradient dX of `images` images from their output gradient dY. */
export function convInputGrad(
  gpu: Gpu,
  g: ConvGeometry,
  p: ConvParams,
  weights: PreparedWeights,
  images: number,
  firstSample: number,
  dY: Window,
  dX: Window,
): Dispatch {
  return correlation(
    gpu,
    { kh: g.kh, kw: g.kw, stride: 1, dilation: g.stride, padH: g.kh - 1 - g.pad, padW: g.kw - 1 - g.pad },
    passDims(g, "input"),
    { ...p, biasOff: undefined },
    weights,
    images,
    firstSample,
    dY,
    dX,
    { bias: false, relu: false },
  );
}

function correlation(
  gpu: Gpu,
  shape: Pick<ConvVariant, "kh" | "kw" | "stride" | "dilation" | "padH" | "padW">,
  dims: { IC: number; OC: number; IH: number; IW: number; OH: number; OW: number },
  p: ConvParams,
  weights: PreparedWeights,
  images: number,
  firstSample: number,
  X: Window,
  Y: Window,
  epilogue: { bias: boolean; relu: boolean },
): Dispatch {
  const t = convTiling(gpu, dims.OC, dims.OW);
  const vec4 = shape.dilation === 1 && dims.IW % 4 === 0 && X.off % 4 === 0 &&
    (t.cols * shape.stride) % 4 === 0;
  const variant: ConvVariant = { ...shape, rows: t.rows, cols: t.cols, vec4, ...epilogue };
  const xBlocks = Math.ceil(dims.OW / t.cols);
  const values: Record<(typeof CONV_PARAMS)[number], number> = {
    ...dims,
    xBlocks,
    inOff: X.off,
    outOff: Y.off,
    biasOff: p.biasOff ?? 0,
    thetaStride: p.thetaStride,
    perWorker: p.perWorker,
    firstSample,
    weightWorkers: weights.copies,
  };
  const params = new Params();
  for (const f of CONV_PARAMS) params.u32(values[f]);
  const key = Object.values(variant).map((x) => typeof x === "boolean" ? Number(x) : x).join(",");
  return bind(
    gpu,
    { shader: `conv-${key}`, code: convWgsl(variant), constants: { WX: t.wx } },
    [
      params.create(gpu, "conv-params"),
      X.region,
      weights.buffer,
      Y.region,
      ...(epilogue.bias ? [p.theta] : []),
    ],
    [Math.ceil((dims.OH * xBlocks) / t.wx), Math.ceil(dims.OC / t.rows), images],
  );
}

/**
 * Binds the weight gradients of `workers` consecutive workers of `perWorker` images each (X and dY
 * windows start at the first one's first image): worker z's gradient goes to
 * `dst[dstOff + z·dstStride …]` (OIHW). Returns the dispatches (a split-K partial pass and a sum when
 * one worker's reduction is long).
 */
export function convWeightGrad(
  gpu: Gpu,
  g: ConvGeometry,
  workers: number,
  perWorker: number,
  X: Window,
  dY: Window,
  dst: Window,
  dstOff: number,
  dstStride: number,
): Dispatch[] {
  const { outH, outW } = convOutput(g);
  const vec4 = g.stride === 1 && g.inW % 4 === 0 && outW % 4 === 0 && X.off % 4 === 0 && dY.off % 4 === 0;
  const t = convWeightGradTiling(gpu, g.inC, g.kh * g.kw, vec4);
  // Split each worker's images into groups so that one invocation loops at most `t.maxTrips` times
  // (llvmpipe's 65,535-iteration limit) and the grid has enough invocations.
  const rowsPerImage = outH * (1 + Math.ceil(outW / t.unroll));
  const groupSize = Math.max(1, Math.min(perWorker, Math.floor(t.maxTrips / rowsPerImage)));
  const groups = Math.ceil(perWorker / groupSize);
  const icBlocks = Math.ceil(g.inC / t.inputs);
  const len = g.outC * g.inC * g.kh * g.kw;
  const variant = {
    kh: g.kh,
    kw: g.kw,
    stride: g.stride,
    padH: g.pad,
    padW: g.pad,
    rows: t.rows,
    inputs: t.inputs,
    unroll: t.unroll,
    vec4,
  };
  const partial = groups > 1 ? storageBuffer(gpu, workers * groups * len * 4, "conv-wgrad-partial") : null;
  const target = partial
    ? { buffer: partial as GPUBuffer | Region, off: 0, stride: len }
    : { buffer: dst.region, off: dst.off + dstOff, stride: dstStride };
  const values: Record<(typeof CONV_WGRAD_PARAMS)[number], number> = {
    IC: g.inC,
    OC: g.outC,
    IH: g.inH,
    IW: g.inW,
    OH: outH,
    OW: outW,
    icBlocks,
    perWorker,
    groupSize,
    groups,
    inOff: X.off,
    outOff: dY.off,
    dstOff: target.off,
    dstStride: target.stride,
  };
  const params = new Params();
  for (const f of CONV_WGRAD_PARAMS) params.u32(values[f]);
  const key = Object.values(variant).map((x) => typeof x === "boolean" ? Number(x) : x).join(",");
  const blocks = icBlocks * Math.ceil(g.outC / t.rows);
  const main = bind(
    gpu,
    { shader: `conv-wgrad-${key}`, code: convWeightGradWgsl(variant), constants: { WX: t.wx } },
    [params.create(gpu, "conv-wgrad-params"), X.region, dY.region, target.buffer],
    [Math.ceil(blocks / t.wx), groups, workers],
  );
  if (!partial) return [main];
  // Sum the split-K partials per worker in group order (a per-worker column sum of groups × len rows).
  return [main, colsum(gpu, partial, workers, groups, len, dst.region, dst.off + dstOff, dstStride)];
}
