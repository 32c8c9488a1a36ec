/**
 * The K per-worker gradients of a step (spec 3.1–3.4), computed on the GPU in one batched pass per local
 * step: gather the sampled images, forward, log-softmax + NLL, backward into the rows of G, add the
 * regularisation gradient, clip each row, and, with L > 1 local steps, move each worker's own parameters
 * and average its L gradients. Workers compute at θ, or at their own parameter rows when they take local
 * steps or look ahead (Nesterov).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer, uploadBuffer, writeBuffer } from "../gpu/buffers.ts";
import type { Dispatch, Recorder } from "../gpu/kernel.ts";
import { gather, nll, workerLoss } from "../ops/nn.ts";
import { clip, regularize, regularizeWithNorms } from "../ops/optim.ts";
import { Reduce, reduceRows } from "../ops/reduce.ts";
import { perElement } from "../ops/launch.ts";
import type { Feed } from "./feed.ts";
import { sampledGradients, type TrainingConfig } from "./config.ts";

/** Where the workers' parameters come from when they are not θ itself. */
export interface Lookahead {
  /** Momentum buffer m of the look-ahead θ − μ·η·m: `rows` rows `stride` apart (stride 0: one shared m). */
  readonly momentum: GPUBuffer;
  readonly rows: number;
  readonly stride: number;
}

/** Buffers the stage reads and writes. */
export interface GradientBuffers {
  readonly theta: GPUBuffer;
  /** The model's state buffer (`PassOptions.state`), when the run has one. */
  readonly state?: GPUBuffer;
  /** K × d output gradients. */
  readonly G: GPUBuffer;
  /** Per-step uniform block (learning rate first). */
  readonly step: GPUBuffer;
  /** Nesterov look-ahead, when enabled. */
  readonly lookahead?: Lookahead;
  /** Where the K·L per-worker losses go (for the study), if anywhere. */
  readonly losses?: { readonly buffer: GPUBuffer; readonly offset: number };
}

/** The bound gradient computation of one step. */
export class GradientStage {
  readonly #gpu: Gpu;
  readonly #words: Uint32Array;
  readonly #batch: GPUBuffer;
  readonly #dispatches: Dispatch[];
  readonly #workers: number;
  readonly #steps: number;
  readonly #batchSize: number;
  readonly #setStep: ((step: number) => void) | undefined;

  constructor(gpu: Gpu, c: TrainingConfig, d: number, b: GradientBuffers) {
    const model = c.model, ds = c.dataset, B = c.batchSize, L = c.localSteps;
    const K = sampledGradients(c);
    this.#gpu = gpu;
    this.#workers = K;
    this.#steps = L;
    this.#batchSize = B;
    // Words of local step j: K·B sample entries, then K valid-row counts.
    const perStep = K * B + K;
    this.#words = new Uint32Array(L * perStep);
    this.#batch = storageBuffer(gpu, this.#words.byteLength, "train-batch");
    const images = uploadBuffer(gpu, ds.train.images, "train-images");
    const labels = uploadBuffer(gpu, ds.train.labels, "train-labels");
    const format = { channels: ds.channels, height: ds.height, width: ds.width, mean: ds.mean, std: ds.std };

    // Parameters the workers compute at: θ, one shared look-ahead vector, or one row per worker.
    const perWorker = L > 1 || (b.lookahead !== undefined && b.lookahead.stride !== 0);
    const rows = perWorker ? K : 1;
    const point = b.lookahead || perWorker ? storageBuffer(gpu, rows * d * 4, "worker-parameters") : b.theta;
    const thetaStride = perWorker ? d : 0;
    const passes = model.build(gpu, {
      theta: point,
      thetaStride,
      workers: K,
      perWorker: B,
      gradients: { buffer: b.G, stride: d },
      state: b.state,
      training: c.compat.trainMode ? { seed: c.seed, batch: this.#batch, countOffset: K * B } : undefined,
    });
    this.#setStep = passes.setStep;
    const targets = storageBuffer(gpu, K * B * 4, "train-targets");
    const sampleLoss = storageBuffer(gpu, K * B * 4, "sample-loss");
    // Scalars: ‖θ_r‖₁ (rows), ‖θ_r‖₂ (rows), then the K gradient norms.
    const L1 = 0, L2 = rows, NORMS = 2 * rows;
    const scalars = storageBuffer(gpu, (NORMS + K) * 4, "scalars");
    // Regularisation (spec 3.2, 5.2): the reference squares the factors.
    const factor = (x: number | null) => x === null ? 0 : c.compat.squaredRegularization ? x * x : x;
    const c1 = factor(c.l1), c2 = factor(c.l2);

    const dispatches: Dispatch[] = [];
    if (point !== b.theta) {
      const m = b.lookahead;
      const params = new Params().u32(rows).u32(d).u32(m?.rows ?? 0).u32(m?.stride ?? 0).f32(
        m ? c.momentum : 0,
      );
      dispatches.push(
        perElement(
          gpu,
          "local_point.wgsl",
          params,
          [b.step, b.theta, m?.momentum ?? b.theta, point],
          rows * d,
          { D: d },
        ),
      );
    }
    const accumulator = L > 1 ? storageBuffer(gpu, K * d * 4, "local-gradient-sum") : undefined;
    for (let j = 0; j < L; j++) {
      const layout = { samples: K * B, perWorker: B, idxOff: j * perStep, cntOff: j * perStep + K * B };
      dispatches.push(
        gather(gpu, images, labels, this.#batch, layout, format, passes.input, targets),
        ...passes.forward,
        nll(gpu, passes.logits, targets, this.#batch, layout, model.classes, passes.dLogits!, sampleLoss),
        ...passes.backward,
      );
      const thetaRows = { rows, len: d, stride: d };
      if (c1 !== 0) dispatches.push(...reduceRows(gpu, point, thetaRows, Reduce.SumAbs, scalars, L1));
      if (c2 !== 0) {
        dispatches.push(...reduceRows(gpu, point, thetaRows, Reduce.SumSquares, scalars, L2, true));
      }
      const regularization = (c1 !== 0 || c2 !== 0) &&
        { theta: point, norms: scalars, n2: L2, c1, c2, thetaStride, normStride: perWorker ? 1 : 0 };
      if (c.gradientClip !== null) {
        // The row norms clipping needs, computed in the regularisation's pass when there is one.
        dispatches.push(
          ...(regularization
            ? regularizeWithNorms(gpu, regularization, b.G, K, d, d, scalars, NORMS)
            : reduceRows(gpu, b.G, { rows: K, len: d, stride: d }, Reduce.SumSquares, scalars, NORMS, true)),
          clip(gpu, scalars, NORMS, b.G, K, d, d, c.gradientClip, c.compat.unitClip),
        );
      } else if (regularization) {
        dispatches.push(regularize(gpu, regularization, b.G, K, d, d));
      }
      if (b.losses) {
        const reg = { n1: L1, n2: L2, c1, c2, normStride: perWorker ? 1 : 0 };
        dispatches.push(
          workerLoss(
            gpu,
            sampleLoss,
            this.#batch,
            layout,
            scalars,
            reg,
            b.losses.buffer,
            b.losses.offset + j * K,
          ),
        );
      }
      if (accumulator) {
        const last = j === L - 1;
        const params = new Params().u32(K * d).u32(j === 0 ? 1 : 0).f32(L);
        dispatches.push(
          perElement(gpu, "local_step.wgsl", params, [b.step, b.G, accumulator, point], K * d, {
            MODE: last ? 1 : 0,
          }),
        );
      }
    }
    this.#dispatches = dispatches;
  }

  /** Draws step `step`'s K·L batches from `feed` (worker k's L batches consecutively) and uploads them. */
  fill(feed: Feed, step: number): void {
    this.#setStep?.(step);
    const K = this.#workers, L = this.#steps, B = this.#batchSize, perStep = K * B + K;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < L; j++) {
        const batch = feed.next();
        this.#words.set(batch, j * perStep + k * B);
        this.#words[j * perStep + K * B + k] = batch.length;
      }
    }
    writeBuffer(this.#gpu, this.#batch, 0, this.#words);
  }

  /** Records the gradient computation. */
  record(rec: Recorder): void {
    for (const d of this.#dispatches) rec.run(d);
  }
}
