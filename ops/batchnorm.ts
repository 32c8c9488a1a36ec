/**
 * BatchNorm2d (spec 5.1): evaluation mode with fixed statistics (the reference's, QUIRK 3: running mean 0
 * and variance 1, never updated) and training mode with each worker's batch statistics (the corrected
 * behaviour: every worker normalises its own batch, as if it ran PyTorch in train mode alone).
 * TypeScript references and GPU bindings (shaders/batchnorm_*.wgsl, shaders/channel_*.wgsl).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params } from "../gpu/buffers.ts";
import { bind, type Dispatch } from "../gpu/kernel.ts";
import { perElement, perGroup } from "./launch.ts";
import { batchNormBackwardWgsl, batchNormForwardWgsl } from "../shaders/batchnorm.ts";
import type { Window } from "./window.ts";

/** PyTorch's default epsilon added to the variance. */
export const BN_EPS = 1e-5;
/** PyTorch's default momentum of the running statistics. */
export const BN_MOMENTUM = 0.1;

/** Statistics used to normalise one worker's batch (per channel). */
export interface BatchStats {
  readonly mean: Float64Array;
  readonly invstd: Float64Array;
  /** Unbiased variance (training mode; what updates the running variance). */
  readonly variance: Float64Array;
}

/**
 * Reference forward over one worker's `rows` images (rows × C × HW): batch statistics when `running` is
 * absent, else the running ones `{ mean, variance }`.
 */
export function batchNormRef(
  C: number,
  HW: number,
  rows: number,
  X: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  running?: { readonly mean: ArrayLike<number>; readonly variance: ArrayLike<number> },
): { Y: Float64Array; stats: BatchStats } {
  const stats = { mean: new Float64Array(C), invstd: new Float64Array(C), variance: new Float64Array(C) };
  const N = rows * HW;
  for (let c = 0; c < C; c++) {
    if (running) {
      stats.mean[c] = running.mean[c];
      stats.invstd[c] = 1 / Math.sqrt(running.variance[c] + BN_EPS);
      continue;
    }
    let sum = 0, sq = 0;
    eachOfChannel(C, HW, rows, c, (i) => sum += X[i]);
    const mean = sum / N;
    eachOfChannel(C, HW, rows, c, (i) => sq += (X[i] - mean) ** 2);
    stats.mean[c] = mean;
    stats.invstd[c] = 1 / Math.sqrt(sq / N + BN_EPS);
    stats.variance[c] = sq / Math.max(N - 1, 1);
  }
  const Y = new Float64Array(rows * C * HW);
  for (let c = 0; c < C; c++) {
    eachOfChannel(
      C,
      HW,
      rows,
      c,
      (i) => Y[i] = gamma[c] * (X[i] - stats.mean[c]) * stats.invstd[c] + beta[c],
    );
  }
  return { Y, stats };
}

/** Reference backward of `batchNormRef` (same `running` argument): input, γ and β gradients. */
export function batchNormBackwardRef(
  C: number,
  HW: number,
  rows: number,
  X: ArrayLike<number>,
  dY: ArrayLike<number>,
  gamma: ArrayLike<number>,
  running?: { readonly mean: ArrayLike<number>; readonly variance: ArrayLike<number> },
): { dX: Float64Array; dGamma: Float64Array; dBeta: Float64Array } {
  const { stats } = batchNormRef(C, HW, rows, X, gamma, gamma, running);
  const dX = new Float64Array(rows * C * HW), dGamma = new Float64Array(C), dBeta = new Float64Array(C);
  const N = rows * HW;
  for (let c = 0; c < C; c++) {
    const xhat = (i: number) => (X[i] - stats.mean[c]) * stats.invstd[c];
    eachOfChannel(C, HW, rows, c, (i) => {
      dBeta[c] += dY[i];
      dGamma[c] += dY[i] * xhat(i);
    });
    // Training mode: the statistics depend on X, whence the two mean terms.
    const [m1, m2] = running ? [0, 0] : [dBeta[c] / N, dGamma[c] / N];
    eachOfChannel(C, HW, rows, c, (i) => dX[i] = gamma[c] * stats.invstd[c] * (dY[i] - m1 - xhat(i) * m2));
  }
  return { dX, dGamma, dBeta };
}

function eachOfChannel(C: number, HW: number, rows: number, c: number, f: (i: number) => void): void {
  for (let r = 0; r < rows; r++) for (let i = 0; i < HW; i++) f((r * C + c) * HW + i);
}

/** A BatchNorm layer: C channels of HW values, γ and β offsets in θ, its running statistics' offset. */
export interface BatchNormLayer {
  readonly C: number;
  readonly HW: number;
  readonly gammaOff: number;
  readonly betaOff: number;
  /** Offset of (mean[C], variance[C]) in the running-statistics buffer. */
  readonly runOff: number;
}

/** Buffers and mode shared by a pass's BatchNorm dispatches. */
export interface BatchNormContext {
  readonly theta: GPUBuffer;
  readonly thetaStride: number;
  readonly perWorker: number;
  /** Running statistics (`BatchNormLayer.runOff`), used in evaluation mode, updated in training mode. */
  readonly running: GPUBuffer;
  /** Training mode: per-worker statistics (6 floats per worker and channel) and the valid-row counts. */
  readonly train?: {
    readonly stats: GPUBuffer;
    readonly batch: GPUBuffer;
    readonly countOffset: number;
  };
}

/**
 * Binds the batch statistics of the `workers` workers starting at `firstWorker` (training mode);
 * `partial` holds 2 floats per image and channel of the window.
 */
export function batchNormStats(
  gpu: Gpu,
  l: BatchNormLayer,
  ctx: BatchNormContext,
  workers: number,
  firstWorker: number,
  X: Window,
  partial: GPUBuffer,
): Dispatch[] {
  const t = ctx.train!;
  const planes = workers * ctx.perWorker * l.C;
  return [
    perElement(
      gpu,
      "batchnorm_stats.wgsl",
      new Params().u32(workers * ctx.perWorker).u32(X.off),
      [X.region, partial],
      planes,
      { C: l.C, HW: l.HW },
    ),
    perGroup(
      gpu,
      "batchnorm_stats_final.wgsl",
      new Params().u32(workers).u32(l.C).u32(l.HW).u32(ctx.perWorker).u32(firstWorker).u32(t.countOffset)
        .f32(BN_EPS),
      [partial, t.batch, t.stats],
      [Math.ceil(l.C / 64), workers],
    ),
  ];
}

/** Binds the forward pass of `images` images starting at sample `firstSample`. */
export function batchNormForward(
  gpu: Gpu,
  l: BatchNormLayer,
  ctx: BatchNormContext,
  images: number,
  firstSample: number,
  X: Window,
  Y: Window,
): Dispatch {
  const vec4 = l.HW % 4 === 0 && X.off % 4 === 0 && Y.off % 4 === 0;
  const count = (images * l.C * l.HW) / (vec4 ? 4 : 1);
  const params = new Params().u32(count).u32(X.off / (vec4 ? 4 : 1)).u32(Y.off / (vec4 ? 4 : 1)).u32(
    l.gammaOff,
  )
    .u32(l.betaOff).u32(ctx.thetaStride).u32(firstSample).u32(ctx.train ? 1 : 0).u32(l.runOff).f32(BN_EPS);
  const stats = ctx.train?.stats ?? ctx.running;
  return perElement(
    gpu,
    `batchnorm-forward-${vec4 ? 4 : 1}`,
    params,
    [X.region, ctx.theta, stats, ctx.running, Y.region],
    count,
    { C: l.C, HW: l.HW, perWorker: ctx.perWorker },
    { code: batchNormForwardWgsl(vec4) },
  );
}

/** Binds the running-statistics update from all `workers` workers' batch statistics (training mode). */
export function batchNormRunning(
  gpu: Gpu,
  l: BatchNormLayer,
  ctx: BatchNormContext,
  workers: number,
): Dispatch {
  const params = new Params().u32(workers).u32(l.C).u32(l.runOff).f32(BN_MOMENTUM);
  return perGroup(gpu, "batchnorm_running.wgsl", params, [ctx.train!.stats, ctx.running], [
    Math.ceil(l.C / 64),
  ]);
}

/**
 * Binds the parameter gradients of the workers of a window (whole workers, `images` images from sample
 * `firstSample`): Σ dY to `dst[dst.off + w·dstStride + off1 + c]` and, for a BatchNorm layer `bn`, Σ dY·x̂
 * to `… + off2 + c` (and the means the training-mode backward needs). Without `bn` these are a
 * convolution's bias gradients. `partial` holds 2 floats per image and channel of the window.
 */
export function channelGradients(
  gpu: Gpu,
  shape: { readonly C: number; readonly HW: number },
  ctx: BatchNormContext,
  images: number,
  firstSample: number,
  dY: Window,
  bn: { readonly layer: BatchNormLayer; readonly X: Window } | null,
  partial: GPUBuffer,
  dst: Window,
  dstStride: number,
  off1: number,
  off2 = 0,
): Dispatch[] {
  const train = bn !== null && ctx.train !== undefined;
  const X = bn?.X ?? dY;
  const sums = new Params().u32(images).u32(dY.off).u32(X.off).u32(bn ? 1 : 0).u32(train ? 1 : 0)
    .u32(bn?.layer.runOff ?? 0).u32(firstSample).f32(BN_EPS);
  const stats = ctx.train?.stats ?? ctx.running;
  const workers = images / ctx.perWorker;
  const final = new Params().u32(shape.C).u32(ctx.perWorker).u32(dst.off).u32(dstStride).u32(off1).u32(off2)
    .u32(bn ? 1 : 0).u32(train ? 1 : 0).u32(firstSample / ctx.perWorker);
  return [
    perElement(
      gpu,
      "channel_sums.wgsl",
      sums,
      [dY.region, X.region, stats, ctx.running, partial],
      images * shape.C,
      { C: shape.C, HW: shape.HW, perWorker: ctx.perWorker },
    ),
    bind(
      gpu,
      { shader: "channel_final.wgsl", constants: { WG: 64 } },
      [final.create(gpu, "channel_final.wgsl"), partial, stats, dst.region],
      [Math.ceil(shape.C / 64), workers],
    ),
  ];
}

/**
 * Binds the backward pass to the input, in place on dY, fused with the preceding ReLU's backward when
 * `reluMask` (X is then the ReLU's output).
 */
export function batchNormBackward(
  gpu: Gpu,
  l: BatchNormLayer,
  ctx: BatchNormContext,
  images: number,
  firstSample: number,
  X: Window,
  dY: Window,
  reluMask: boolean,
): Dispatch {
  const vec4 = l.HW % 4 === 0 && X.off % 4 === 0 && dY.off % 4 === 0;
  const count = (images * l.C * l.HW) / (vec4 ? 4 : 1);
  const params = new Params().u32(count).u32(dY.off / (vec4 ? 4 : 1)).u32(X.off / (vec4 ? 4 : 1))
    .u32(l.gammaOff).u32(ctx.thetaStride).u32(firstSample).u32(ctx.train ? 1 : 0).u32(l.runOff)
    .u32(reluMask ? 1 : 0).u32(ctx.train?.countOffset ?? 0).f32(BN_EPS);
  const stats = ctx.train?.stats ?? ctx.running;
  const batch = ctx.train?.batch ?? ctx.running;
  return perElement(
    gpu,
    `batchnorm-backward-${vec4 ? 4 : 1}`,
    params,
    [X.region, ctx.theta, stats, ctx.running, batch, dY.region],
    count,
    { C: l.C, HW: l.HW, perWorker: ctx.perWorker },
    { code: batchNormBackwardWgsl(vec4) },
  );
}
