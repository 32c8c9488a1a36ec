/**
 * Plain TypeScript (f64) reference of the networks of `models/cnn.ts` for one worker's batch: the forward
 * pass, log-softmax + mean NLL and the gradient w.r.t. the flat parameter vector, composed from the
 * per-kernel references of ops/. Slow and simple on purpose: it is the oracle of the GPU passes in tests.
 */
import { convForwardRef, convInputGradRef, convOutput, convWeightGradRef } from "../ops/conv.ts";
import { maxPoolBackwardRef, maxPoolRef, poolOutput } from "../ops/pool.ts";
import { batchNormBackwardRef, batchNormRef } from "../ops/batchnorm.ts";
import { dropoutKeeps } from "../ops/dropout.ts";
import type { Layer } from "./cnn.ts";
import type { Model } from "./model.ts";

/** Training mode of the reference: dropout masks of (seed, step, worker), batch-statistics BatchNorm. */
export interface ReferenceTraining {
  readonly seed: number;
  readonly step: number;
  readonly worker: number;
}

/** What one layer's backward needs from its forward. */
interface Saved {
  readonly input: Float64Array;
  readonly output: Float64Array;
  readonly shape: { C: number; H: number; W: number };
}

/**
 * Loss (mean NLL over the `rows` samples of X), its gradient in parameter order and the logits. Without
 * `training`, evaluation mode with the initial running statistics (mean 0, variance 1).
 */
export function cnnLossGradient(
  layers: readonly Layer[],
  input: Model["input"],
  offsets: Map<string, number>,
  d: number,
  theta: ArrayLike<number>,
  X: ArrayLike<number>,
  targets: ArrayLike<number>,
  rows: number,
  training?: ReferenceTraining,
): { loss: number; grad: Float64Array; logits: Float64Array } {
  let shape = { C: input.channels, H: input.height, W: input.width };
  let a: Float64Array = Float64Array.from({ length: rows * shape.C * shape.H * shape.W }, (_, i) => X[i]);
  const saved: Saved[] = [];
  const slice = (name: string, length: number) => {
    const at = offsets.get(name)!;
    return Float64Array.from({ length }, (_, i) => theta[at + i]);
  };
  layers.forEach((l, index) => {
    const before = shape, x = a;
    if (l.kind === "conv") {
      const g = {
        inC: shape.C,
        outC: l.out,
        inH: shape.H,
        inW: shape.W,
        kh: l.k,
        kw: l.k,
        stride: l.stride ?? 1,
        pad: l.pad,
      };
      const bias = { values: theta, off: offsets.get(`${l.name}.bias`)! };
      a = convForwardRef(g, rows, x, theta, offsets.get(`${l.name}.weight`)!, bias).map((v) =>
        Math.max(v, 0)
      );
      const { outH, outW } = convOutput(g);
      shape = { C: l.out, H: outH, W: outW };
    } else if (l.kind === "bn") {
      const running = training
        ? undefined
        : { mean: new Float64Array(shape.C), variance: new Float64Array(shape.C).fill(1) };
      const gamma = slice(`${l.name}.weight`, shape.C), beta = slice(`${l.name}.bias`, shape.C);
      a = batchNormRef(shape.C, shape.H * shape.W, rows, x, gamma, beta, running).Y;
    } else if (l.kind === "pool") {
      const g = { H: shape.H, W: shape.W, k: l.k, stride: l.k };
      a = maxPoolRef(g, rows * shape.C, x).Y;
      const { OH, OW } = poolOutput(g);
      shape = { C: shape.C, H: OH, W: OW };
    } else if (l.kind === "dropout") {
      a = training ? x.map((v, i) => v * dropoutScale(l.p, training, index, i)) : x;
    } else {
      const inputs = shape.C * shape.H * shape.W;
      const W = slice(`${l.name}.weight`, l.out * inputs), b = slice(`${l.name}.bias`, l.out);
      a = new Float64Array(rows * l.out);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < l.out; o++) {
          let s = b[o];
          for (let i = 0; i < inputs; i++) s += W[o * inputs + i] * x[r * inputs + i];
          a[r * l.out + o] = l.relu ? Math.max(s, 0) : s;
        }
      }
      shape = { C: l.out, H: 1, W: 1 };
    }
    saved.push({ input: x, output: a, shape: before });
  });

  // Log-softmax + mean NLL.
  const classes = shape.C, logits = a;
  let loss = 0;
  let dA: Float64Array = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const z = logits.subarray(r * classes, (r + 1) * classes);
    const m = Math.max(...z), lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    loss += (lse - z[targets[r]]) / rows;
    for (let c = 0; c < classes; c++) {
      dA[r * classes + c] = (Math.exp(z[c] - lse) - (c === targets[r] ? 1 : 0)) / rows;
    }
  }

  const grad = new Float64Array(d);
  const put = (name: string, values: ArrayLike<number>) => {
    const at = offsets.get(name)!;
    for (let i = 0; i < values.length; i++) grad[at + i] += values[i];
  };
  for (let index = layers.length - 1; index >= 0; index--) {
    const l = layers[index], { input: x, output: y, shape: s } = saved[index];
    if (l.kind === "linear") {
      const inputs = s.C * s.H * s.W;
      const dZ = l.relu ? dA.map((v, i) => y[i] > 0 ? v : 0) : dA;
      const W = slice(`${l.name}.weight`, l.out * inputs);
      const dW = new Float64Array(l.out * inputs),
        db = new Float64Array(l.out),
        dX = new Float64Array(rows * inputs);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < l.out; o++) {
          const g = dZ[r * l.out + o];
          db[o] += g;
          for (let i = 0; i < inputs; i++) {
            dW[o * inputs + i] += g * x[r * inputs + i];
            dX[r * inputs + i] += g * W[o * inputs + i];
          }
        }
      }
      put(`${l.name}.weight`, dW);
      put(`${l.name}.bias`, db);
      dA = dX;
    } else if (l.kind === "dropout") {
      if (training) dA = dA.map((v, i) => v * dropoutScale(l.p, training, index, i));
    } else if (l.kind === "pool") {
      dA = maxPoolBackwardRef({ H: s.H, W: s.W, k: l.k, stride: l.k }, rows * s.C, x, dA);
    } else if (l.kind === "bn") {
      const running = training
        ? undefined
        : { mean: new Float64Array(s.C), variance: new Float64Array(s.C).fill(1) };
      const r = batchNormBackwardRef(s.C, s.H * s.W, rows, x, dA, slice(`${l.name}.weight`, s.C), running);
      put(`${l.name}.weight`, r.dGamma);
      put(`${l.name}.bias`, r.dBeta);
      dA = r.dX;
    } else {
      const g = {
        inC: s.C,
        outC: l.out,
        inH: s.H,
        inW: s.W,
        kh: l.k,
        kw: l.k,
        stride: l.stride ?? 1,
        pad: l.pad,
      };
      const dZ = dA.map((v, i) => y[i] > 0 ? v : 0);
      const { outH, outW } = convOutput(g), plane = outH * outW;
      const db = new Float64Array(l.out);
      dZ.forEach((v, i) => db[Math.floor(i / plane) % l.out] += v);
      put(`${l.name}.bias`, db);
      put(`${l.name}.weight`, convWeightGradRef(g, 0, rows, x, dZ));
      dA = convInputGradRef(g, rows, dZ, theta, offsets.get(`${l.name}.weight`)!);
    }
  }
  return { loss, grad, logits };
}

/** Dropout factor of element `i` of the worker's batch at layer `index`: 0 or 1/(1 − p). */
function dropoutScale(p: number, t: ReferenceTraining, index: number, i: number): number {
  return dropoutKeeps({ seed: t.seed, layer: index, p }, t.step, t.worker, i) ? 1 / (1 - p) : 0;
}
