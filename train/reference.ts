/**
 * Plain-TypeScript reference of the simulator's whole training loop (train/simulator.ts, spec sections 3–5),
 * used by tests (tests/simulator_test.ts) as the oracle of the GPU `Simulator`; nothing in the simulator
 * depends on it. Slow and simple on purpose, fully connected models (models/mlp.ts) only.
 *
 * It re-implements, independently of the GPU code paths: the shared shuffled training and test loaders with
 * their flips (same seeded streams as train/feed.ts: `STREAM`, `Rng.permutation`, `Rng.nextFloat`), the input
 * transform, per-worker loss and gradient (models/mlp_reference.ts, f64) with the l1/l2 terms, clipping,
 * the Nesterov look-ahead point (spec 12.1), local SGD steps (spec 3.4, intended semantics),
 * momentum at the update / server / workers, the attack and the rule (their plain-TS `generate` /
 * `aggregate`), weight decay, the learning-rate schedule, the SGD step, the study row (spec 4, f64) and top-k
 * evaluation. Vectors that the simulator keeps in f32 buffers (θ, the workers' parameters, gradients, local
 * gradient sums, momentum buffers, submitted rows) are rounded to f32 at the same points; everything else is
 * computed in f64.
 */
import { Rng } from "../data/rng.ts";
import type { Dataset, Split } from "../data/dataset.ts";
import { initialParameters, type Model } from "../models/model.ts";
import { mlpActivations, mlpLossGradient } from "../models/mlp_reference.ts";
import type { TrainingConfig } from "./config.ts";
import { STREAM } from "./feed.ts";

type Vec = ArrayLike<number>;

// ---------------------------------------------------------------------------------------------------------
// Metric helpers (spec 4), f64

/** ⟨x, y⟩ in f64. */
export function dot(x: Vec, y: Vec): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * y[j];
  return s;
}

/** ‖x‖₂ in f64. */
export function norm2(x: Vec): number {
  return Math.sqrt(dot(x, x));
}

/** max_j |x_j| (NaN if any coordinate is NaN). */
export function maxAbs(x: Vec): number {
  let m = 0;
  for (let j = 0; j < x.length; j++) {
    const a = Math.abs(x[j]);
    if (Number.isNaN(a)) return NaN;
    if (a > m) m = a;
  }
  return m;
}

/** cos(x, y) = ⟨x, y⟩ / (‖x‖·‖y‖), no guard (spec 4); NaN when a vector is missing. */
export function cosine(x: Vec | null, y: Vec | null): number {
  return x && y ? dot(x, y) / (norm2(x) * norm2(y)) : NaN;
}

/** `avg_dev_max` of spec 4: N = 0 → (no average, NaN, NaN, NaN); dev is NaN for N = 1. */
export function avgDevMax(
  vs: readonly Vec[],
): { avg: Float64Array | null; norm: number; dev: number; max: number } {
  const N = vs.length;
  if (N === 0) return { avg: null, norm: NaN, dev: NaN, max: NaN };
  const d = vs[0].length, avg = new Float64Array(d);
  for (const v of vs) for (let j = 0; j < d; j++) avg[j] += v[j];
  for (let j = 0; j < d; j++) avg[j] /= N;
  let total = 0;
  for (const v of vs) for (let j = 0; j < d; j++) total += (v[j] - avg[j]) ** 2;
  return { avg, norm: norm2(avg), dev: N >= 2 ? Math.sqrt(total / (N - 1)) : NaN, max: maxAbs(avg) };
}

/**
 * Study columns 2–22 of one step (spec 4). `past` = previous sampled averages, most recent first; `mu` the
 * momentum (whatever its position). Returns the row and this step's sampled average (to push on the deque).
 */
export function studyRow(
  sampled: readonly Vec[],
  honest: readonly Vec[],
  attack: readonly Vec[],
  aggregate: Vec,
  fromOrigin: number,
  losses: readonly number[],
  past: readonly Float64Array[],
  mu: number,
): { row: Float64Array; average: Float64Array } {
  const S = avgDevMax(sampled), H = avgDevMax(honest), A = avgDevMax(attack);
  const g = S.avg!;
  let prev = NaN, curvature = NaN;
  if (past.length > 0) {
    prev = cosine(g, past[0]);
    curvature = 0;
    past.forEach((p, k) => curvature += mu ** (k + 1) * dot(g, p));
  }
  const row = Float64Array.of(
    losses.reduce((x, y) => x + y, 0) / losses.length,
    fromOrigin,
    S.dev,
    H.dev,
    A.dev,
    S.norm,
    H.norm,
    A.norm,
    norm2(aggregate),
    S.max,
    H.max,
    A.max,
    maxAbs(aggregate),
    cosine(g, H.avg),
    cosine(g, A.avg),
    cosine(g, aggregate),
    cosine(H.avg, A.avg),
    cosine(H.avg, aggregate),
    cosine(A.avg, aggregate),
    prev,
    curvature,
  );
  return { row, average: g };
}

// ---------------------------------------------------------------------------------------------------------
// Data

/** Spec 5.4 loader: endless shuffled epochs in batches (last one of an epoch smaller), optional flips. */
export class ReferenceFeed {
  readonly #count: number;
  readonly #batchSize: number;
  readonly #flip: boolean;
  readonly #order: Rng;
  readonly #flips: Rng;
  #permutation: Uint32Array;
  #position = 0;

  constructor(count: number, batchSize: number, flip: boolean, seed: number, order: number, flips: number) {
    this.#count = count;
    this.#batchSize = batchSize;
    this.#flip = flip;
    this.#order = new Rng(seed, order);
    this.#flips = new Rng(seed, flips);
    this.#permutation = this.#order.permutation(count);
  }

  /** The next batch: sample indices and whether each image is flipped horizontally. */
  next(): { indices: number[]; flipped: boolean[] } {
    if (this.#position >= this.#count) {
      this.#permutation = this.#order.permutation(this.#count);
      this.#position = 0;
    }
    const end = Math.min(this.#position + this.#batchSize, this.#count);
    const indices = Array.from(this.#permutation.subarray(this.#position, end));
    this.#position = end;
    const flipped = indices.map(() => this.#flip && this.#flips.nextFloat() < 0.5);
    return { indices, flipped };
  }
}

/** Input rows of a batch: `(x/255 − mean[c]) / std[c]` per pixel (f32 as the gather kernel), CHW, flips. */
function batchInputs(
  ds: Dataset,
  split: Split,
  batch: { indices: number[]; flipped: boolean[] },
): { X: Float64Array; targets: number[] } {
  const W = ds.width, plane = ds.height * W, pixels = ds.channels * plane, f = Math.fround;
  const X = new Float64Array(batch.indices.length * pixels);
  batch.indices.forEach((index, s) => {
    for (let q = 0; q < pixels; q++) {
      const c = Math.floor(q / plane), r = q % plane, col = r % W;
      const source = batch.flipped[s] ? r - col + (W - 1 - col) : r;
      const byte = split.images[index * pixels + c * plane + source];
      X[s * pixels + q] = f(f(f(byte / 255) - f(ds.mean[c])) / f(ds.std[c]));
    }
  });
  return { X, targets: batch.indices.map((index) => split.labels[index]) };
}

/** Layer widths of a model of models/mlp.ts (tensors f1.weight, f1.bias, f2.weight, …). */
export function mlpWidths(model: Pick<Model, "tensors">): number[] {
  const widths: number[] = [];
  model.tensors.forEach((t, i) => {
    const l = (i >> 1) + 1;
    const expected = i % 2 === 0 ? `f${l}.weight` : `f${l}.bias`;
    if (t.name !== expected) throw new Error(`reference: not an mlp model (tensor ${t.name})`);
    if (i % 2 === 0) {
      if (widths.length === 0) widths.push(t.shape[1]);
      widths.push(t.shape[0]);
    }
  });
  return widths;
}

// ---------------------------------------------------------------------------------------------------------
// Training loop

/** What a reference run produced, as the simulator reports it. */
export interface ReferenceResult {
  /** Evaluations in step order: top-k correct count and number of test samples drawn. */
  readonly evals: { step: number; correct: number; total: number }[];
  /** Study rows (spec 4 columns 2–22) with the step and the training point count before it. */
  readonly rows: { step: number; datapoints: number; metrics: Float64Array }[];
  /** Sizes of the training batches drawn, in order (to see the partial last batch of an epoch). */
  readonly batchSizes: number[];
  /** Number of sampled gradients that clipping rescaled, and of those it left untouched. */
  readonly clipping: { rescaled: number; kept: number };
  readonly theta0: Float32Array;
  /** Buffers as named in `Simulator.snapshot()`. */
  readonly buffers: Record<string, Float32Array>;
}

/** Learning rate at step t (spec 3.7): η0 / (⌊t/Δ⌋·Δ/T + 1), η0 when T ≤ 0. */
export function referenceLearningRate(c: TrainingConfig, t: number): number {
  if (c.learningRateDecay <= 0) return c.learningRate;
  const D = c.learningRateDecayDelta;
  return c.learningRate / ((Math.floor(t / D) * D) / c.learningRateDecay + 1);
}

/**
 * Top-k correct count of one test batch: correct iff fewer than k logits exceed the target's logit (NaN
 * ranks above everything, as in torch.topk: a NaN target is never correct).
 */
function topkCorrect(widths: readonly number[], theta: Vec, X: Float64Array, targets: number[], k: number) {
  const L = widths.length - 1;
  let correct = 0;
  targets.forEach((t, s) => {
    const z = mlpActivations(widths, theta, X, s * widths[0])[L];
    if (Number.isNaN(z[t])) return;
    let above = 0;
    for (let c = 0; c < z.length; c++) if (c !== t && (Number.isNaN(z[c]) || z[c] > z[t])) above++;
    if (above < k) correct++;
  });
  return correct;
}

/** Runs `steps` training steps of `config` from scratch, as `Simulator.run(steps, …)` does. */
export function runReference(c: TrainingConfig, steps: number): ReferenceResult {
  const ds = c.dataset, f32 = Math.fround;
  const widths = mlpWidths(c.model);
  const n = c.workers, fr = c.realByzantine, h = n - fr, B = c.batchSize, L = c.localSteps;
  if (!Number.isInteger(L) || L < 1) throw new Error(`reference: invalid local step count ${L}`);
  const K = c.study ? Math.max(h, c.studySamples) : h;
  const theta0 = initialParameters(c.model, new Rng(c.seed, STREAM.init));
  const d = theta0.length;
  const theta = theta0.slice();
  const square = (x: number | null) => x === null ? 0 : c.compat.squaredRegularization ? x * x : x;
  const c1 = square(c.l1), c2 = square(c.l2);
  const train = new ReferenceFeed(ds.train.count, B, ds.flipTrain, c.seed, STREAM.train, STREAM.trainFlips);
  const test = new ReferenceFeed(
    ds.test.count,
    c.batchSizeTest,
    ds.flipTest,
    c.seed,
    STREAM.test,
    STREAM.testFlips,
  );
  const workerMomentum = Array.from({ length: h }, () => new Float32Array(d));
  const serverMomentum = new Float32Array(d);
  const updateMomentum = new Float32Array(d);
  const result: ReferenceResult = {
    evals: [],
    rows: [],
    batchSizes: [],
    clipping: { rescaled: 0, kept: 0 },
    theta0,
    buffers: {},
  };
  const past: Float64Array[] = [];
  const muUpdate = c.momentumAt === "update" ? c.momentum : 0;
  // Nesterov (spec 12.1): the momentum buffer of worker k's look-ahead point θ − μ·η·m, if any.
  const lookahead = (k: number): Float32Array | null => {
    if (!c.nesterov || c.momentum === 0) return null;
    if (c.momentumAt === "worker") return k < h ? workerMomentum[k] : null;
    return c.momentumAt === "server" ? serverMomentum : updateMomentum;
  };

  const evaluate = (t: number) => {
    let correct = 0, total = 0;
    for (let r = 0; r < Math.max(1, c.batchSizeTestReps); r++) {
      const { X, targets } = batchInputs(ds, ds.test, test.next());
      correct += topkCorrect(widths, theta, X, targets, c.topK);
      total += targets.length;
    }
    result.evals.push({ step: t, correct, total });
  };

  /**
   * 3.1–3.3: the gradient of the next batch at parameters `at` (f32 values), with the l1/l2 terms of `at`,
   * clipped, rounded to f32 as the G buffer holds it; pushes the loss (with the l1/l2 terms) on `losses`.
   */
  const gradient = (at: Vec, losses: number[]): Float32Array => {
    const batch = train.next();
    result.batchSizes.push(batch.indices.length);
    const { X, targets } = batchInputs(ds, ds.train, batch);
    const { loss, grad } = mlpLossGradient(widths, at, X, targets, targets.length);
    let l1 = 0;
    for (let j = 0; j < d; j++) l1 += Math.abs(at[j]);
    const l2 = norm2(at);
    losses.push(loss + (c1 !== 0 ? c1 * l1 : 0) + (c2 !== 0 ? c2 * l2 : 0));
    for (let j = 0; j < d; j++) {
      grad[j] += c1 * Math.sign(at[j]) + (c2 !== 0 && l2 > 0 ? (c2 * at[j]) / l2 : 0);
    }
    if (c.gradientClip !== null) {
      const g = norm2(grad);
      if (g > c.gradientClip) {
        const scale = c.compat.unitClip ? 1 / g : c.gradientClip / g;
        for (let j = 0; j < d; j++) grad[j] *= scale;
        result.clipping.rescaled++;
      } else {
        result.clipping.kept++;
      }
    }
    return Float32Array.from(grad);
  };

  for (let t = 0;; t++) {
    if (c.evaluationDelta > 0 && t % c.evaluationDelta === 0) evaluate(t);
    if (t >= steps) break;
    const lr = f32(referenceLearningRate(c, t));

    // 3.1–3.4: K workers, each from θ or its look-ahead θ − μ·η·m (f32 kernel local_point.wgsl), draws its
    // L batches consecutively from the shared stream; between local steps it moves its own parameters
    // w ← w − η·g_j, and submits the average of its L clipped gradients (f32 kernel local_step.wgsl).
    const G: Float32Array[] = [], losses: number[] = [];
    const muLr = f32(f32(c.momentum) * lr);
    for (let k = 0; k < K; k++) {
      const m = lookahead(k);
      if (m === null && L === 1) {
        G.push(gradient(theta, losses));
        continue;
      }
      const w = m === null ? theta.slice() : theta.map((x, j) => f32(x - f32(muLr * m[j])));
      const sum = new Float32Array(d);
      for (let s = 0;; s++) {
        const g = gradient(w, losses);
        if (s === L - 1) {
          G.push(L === 1 ? g : g.map((x, j) => f32(f32(sum[j] + x) / L)));
          break;
        }
        for (let j = 0; j < d; j++) {
          sum[j] = f32(sum[j] + g[j]);
          w[j] = f32(w[j] - f32(lr * g[j]));
        }
      }
    }

    // 3.5: momentum placement → honest submitted vectors.
    const honest = G.slice(0, h).map((g, i) => {
      if (c.momentumAt === "worker") {
        const m = workerMomentum[i];
        for (let j = 0; j < d; j++) m[j] = c.momentum * m[j] + (1 - c.dampening) * g[j];
        return m.slice();
      }
      if (c.momentumAt === "server") {
        return g.map((x, j) => (1 - c.dampening) * x + c.momentum * serverMomentum[j]);
      }
      return g.slice();
    });

    // 3.6: attack, then the rule over honest ++ Byzantine.
    const byzantine = c.attack.generate(honest, fr, c.declaredByzantine, c.rule, c.attackArgs, c.behaviour);
    if (byzantine.length !== fr) throw new Error(`reference: attack returned ${byzantine.length} vectors`);
    const aggregate = c.rule.aggregate(
      [...honest, ...byzantine],
      c.declaredByzantine,
      c.ruleArgs,
      c.behaviour,
    );

    // 3.8 / 4: study row, before the update.
    if (c.study) {
      const fromOrigin = norm2(theta.map((x, j) => x - theta0[j]));
      const { row, average } = studyRow(
        G,
        honest,
        byzantine,
        aggregate,
        fromOrigin,
        losses,
        past,
        c.momentum,
      );
      result.rows.push({ step: t, datapoints: t * B * h * L, metrics: row });
      past.unshift(average);
      if (past.length > c.studyPast) past.pop();
    }
    if (c.momentumAt === "server") serverMomentum.set(aggregate);

    // 3.7: weight decay, update momentum (torch first step or zero-initialised), SGD.
    const first = t === 0 && c.compat.torchFirstMomentum;
    for (let j = 0; j < d; j++) {
      let v = aggregate[j] + c.weightDecay * theta[j];
      if (muUpdate !== 0) {
        v = updateMomentum[j] = first ? v : muUpdate * updateMomentum[j] + (1 - c.dampening) * v;
      }
      theta[j] = f32(theta[j] - lr * v);
    }
  }

  const buffers = result.buffers;
  buffers.theta = theta;
  if (c.study) buffers["theta-origin"] = theta0;
  if (c.momentumAt === "worker") {
    buffers["worker-momentum"] = new Float32Array(h * d);
    workerMomentum.forEach((m, i) => buffers["worker-momentum"].set(m, i * d));
  }
  if (c.momentumAt === "server") buffers["server-momentum"] = serverMomentum;
  if (muUpdate !== 0) buffers["update-momentum"] = updateMomentum;
  return result;
}
