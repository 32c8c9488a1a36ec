/**
 * The GPU-resident training loop (spec section 3). Parameters, the K per-worker gradients (one K × d
 * matrix computed by ONE batched forward/backward), the submitted n × d matrix, momentum buffers and the
 * study metrics all live on the GPU. A step is recorded and submitted without waiting; metrics and
 * accuracies accumulate in GPU buffers and are read back every `readbackEvery` steps in one round trip.
 */
import type { Gpu } from "../gpu/device.ts";
import { Reader, type Region, storageBuffer, uploadBuffer, writeBuffer } from "../gpu/buffers.ts";
import { type Dispatch, drain, Recorder } from "../gpu/kernel.ts";
import { Rng } from "../data/rng.ts";
import { initialParameters, parameterCount } from "../models/model.ts";
import { momentum, sgd } from "../ops/optim.ts";
import type { Stage } from "../gar/rule.ts";
import { honestWorkers, learningRateAt, sampledGradients, type TrainingConfig } from "./config.ts";
import { Evaluator } from "./evaluator.ts";
import { Feed, STREAM } from "./feed.ts";
import { GradientStage, type Lookahead } from "./gradients.ts";
import { STUDY_GPU_COLUMNS, StudyStage } from "./study.ts";
import { CheckpointError, type CheckpointState } from "./checkpoint.ts";

/** Receives results as they come back from the GPU, in step order. */
export interface Observer {
  evaluated(step: number, correct: number, total: number): void;
  /**
   * `metrics` = study columns 2–22 (spec 4) of the step; `acceptation` = the attack acceptation ratio
   * (spec 12.1) when the configuration asks for it.
   */
  studied(step: number, datapoints: number, metrics: Float32Array, acceptation?: number): void;
  /** Called after each readback's rows were handed over (e.g. to write them to disk). */
  flush(): Promise<void>;
}

type Pending =
  | { readonly kind: "eval"; readonly step: number; readonly total: number; readonly slot: number }
  | { readonly kind: "study"; readonly step: number; readonly datapoints: number; readonly slot: number };

/** A configuration this adapter cannot run; one-line message. */
export class CapacityError extends Error {}

/** Throws a `CapacityError` when a matrix (floats, by description) exceeds one storage binding. */
function checkBindable(gpu: Gpu, matrices: Record<string, number>): void {
  const limit = gpu.limits.maxStorageBufferBindingSize;
  for (const [what, floats] of Object.entries(matrices)) {
    if (floats * 4 > limit) {
      throw new CapacityError(
        `The ${what} needs ${(floats * 4 / 2 ** 20).toFixed(0)} MiB, over this adapter's ${
          (limit / 2 ** 20).toFixed(0)
        } MiB per binding; reduce it`,
      );
    }
  }
}

/** One experiment's state on the GPU and the host, stepped by `run`. */
export class Simulator {
  /** Steps done so far (t of the next step). */
  step = 0;
  /** Training points consumed so far (nominal batch sizes, spec 3). */
  datapoints = 0;
  readonly d: number;
  readonly #gpu: Gpu;
  readonly #config: TrainingConfig;
  readonly #feed: Feed;
  readonly #evaluator: Evaluator | undefined;
  readonly #study: StudyStage | undefined;
  readonly #gradients: GradientStage;
  readonly #stepBlock: GPUBuffer;
  readonly #submit: (rec: Recorder) => void;
  readonly #metrics: GPUBuffer;
  /** Floats per study row in `#metrics`: the GPU columns, then the attack's retained count if recorded. */
  readonly #width: number;
  /** Rows the rule retains (denominator of the acceptation ratio), when it has a selection. */
  readonly #retained: number | undefined;
  readonly #attackCount: GPUBuffer | undefined;
  readonly #evalCounts: GPUBuffer;
  readonly #reader: Reader;
  #pending: Pending[] = [];
  #unread = 0;
  #ring = { pos: 0, count: 0 };
  /** GPU state that outlives a step, by name (what a checkpoint saves). */
  readonly #persistent: Record<string, Region> = {};
  /** Set by `restore`: the evaluation and checkpoint of the restored step were already done. */
  #resumed = false;

  /** Allocates every buffer and binds every kernel of the run (nothing is allocated per step). */
  constructor(gpu: Gpu, config: TrainingConfig) {
    const c = config, model = c.model;
    this.#gpu = gpu;
    this.#config = c;
    const d = this.d = parameterCount(model);
    const h = honestWorkers(c), K = sampledGradients(c), n = c.workers;
    const theta0 = initialParameters(model, new Rng(c.seed, STREAM.init));
    const theta = uploadBuffer(gpu, theta0, "theta");
    const whole = (buffer: GPUBuffer, floats: number): Region => ({ buffer, offset: 0, size: floats * 4 });
    this.#persistent.theta = whole(theta, d);
    // The model's state (BatchNorm running statistics), shared by the training and evaluation passes; only
    // training mode changes it, so only then is it part of a checkpoint.
    const initialState = model.initialState?.();
    const state = initialState && uploadBuffer(gpu, initialState, "model-state");
    if (state && c.compat.trainMode) this.#persistent["model-state"] = whole(state, initialState.length);
    checkBindable(gpu, {
      "gradient matrix (sampled gradients × parameters)": K * d,
      "submitted matrix (workers × parameters)": n * d,
      "study's past gradients (--nb-for-study-past × parameters)": c.study ? c.studyPast * d : 0,
    });
    const G = storageBuffer(gpu, K * d * 4, "gradients");
    const S = storageBuffer(gpu, n * d * 4, "submitted");
    const aggregate = storageBuffer(gpu, d * 4, "aggregate");
    this.#stepBlock = gpu.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: "step",
    });

    // Momentum buffers (spec 3.5, 3.7): one per honest worker, the server's previous aggregate, or the
    // optimizer's buffer at the update.
    const momentumBuffer = (rows: number, name: string) => {
      const buffer = storageBuffer(gpu, rows * d * 4, name);
      this.#persistent[name] = whole(buffer, rows * d);
      return buffer;
    };
    const updateMomentum = c.momentumAt === "update" && c.momentum !== 0;
    const workerM = c.momentumAt === "worker" ? momentumBuffer(h, "worker-momentum") : undefined;
    const serverM = c.momentumAt === "server" ? momentumBuffer(1, "server-momentum") : undefined;
    const updateM = updateMomentum
      ? momentumBuffer(1, "update-momentum")
      : storageBuffer(gpu, 16, "no-momentum");

    // Study (spec 4), bound before the update so that it sees θ_t.
    if (c.study) {
      const theta0Buffer = uploadBuffer(gpu, theta0, "theta-origin");
      this.#persistent["theta-origin"] = whole(theta0Buffer, d);
      this.#study = new StudyStage(gpu, {
        d,
        sampled: K,
        losses: K * c.localSteps,
        honest: h,
        // With momentum at the update the honest rows of S are copied from G (below).
        honestAreSampled: c.momentumAt === "update" && K === h,
        byzantine: c.realByzantine,
        past: c.studyPast,
        momentum: c.momentum,
        G,
        S,
        aggregate,
        theta,
        theta0: theta0Buffer,
        step: this.#stepBlock,
      });
      Object.assign(this.#persistent, this.#study.persistent());
    }

    // Gradients at θ, or at the Nesterov look-ahead θ − μ·η·m (spec 12.1).
    let lookahead: Lookahead | undefined;
    if (c.nesterov && c.momentum !== 0) {
      lookahead = workerM
        ? { momentum: workerM, rows: h, stride: d }
        : { momentum: serverM ?? updateM, rows: K, stride: 0 };
    }
    this.#feed = Feed.training(c.dataset, c.batchSize, c.seed);
    this.#gradients = new GradientStage(gpu, c, d, {
      theta,
      state,
      G,
      step: this.#stepBlock,
      lookahead,
      losses: this.#study ? { buffer: this.#study.stats, offset: this.#study.lossOffset } : undefined,
    });

    // Momentum placement (spec 3.5) → honest rows of S; attack → Byzantine rows; rule → aggregate.
    const place: Dispatch[] = [];
    if (workerM) place.push(momentum(gpu, "worker", G, workerM, S, h, d, c.momentum, c.dampening));
    if (serverM) place.push(momentum(gpu, "server", G, serverM, S, h, d, c.momentum, c.dampening));
    const attack: Stage = c.attack.bind(gpu, {
      h,
      fReal: c.realByzantine,
      fDecl: c.declaredByzantine,
      d,
      submitted: S,
      rule: c.rule,
      args: c.attackArgs,
      behaviour: c.behaviour,
    });
    // The attack acceptation ratio: the rule counts the attack's rows among those it retains (spec 12.1).
    const selection = c.study && c.acceptation ? c.rule.selection : undefined;
    this.#width = STUDY_GPU_COLUMNS + (c.study && c.acceptation ? 1 : 0);
    this.#retained = selection?.retained(n, c.declaredByzantine, c.ruleArgs, c.behaviour);
    this.#attackCount = selection && storageBuffer(gpu, 16, "attack-count");
    const rule: Stage = c.rule.bind(gpu, {
      n,
      f: c.declaredByzantine,
      d,
      input: S,
      output: aggregate,
      args: c.ruleArgs,
      behaviour: c.behaviour,
      influence: this.#attackCount && { buffer: this.#attackCount, offset: 0, honest: h },
    });
    const update = sgd(gpu, this.#stepBlock, aggregate, theta, updateM, d, {
      weightDecay: c.weightDecay,
      momentum: updateMomentum ? c.momentum : 0,
      dampening: c.dampening,
    });

    this.#submit = (rec) => {
      this.#gradients.record(rec);
      if (c.momentumAt === "update") rec.copy(G, 0, S, 0, h * d * 4);
      for (const x of place) rec.run(x);
      attack.record(rec);
      rule.record(rec);
      this.#study?.record(rec, this.#ring.pos);
      if (serverM) rec.copy(aggregate, 0, serverM, 0, d * 4);
      rec.run(update);
    };

    this.#metrics = storageBuffer(gpu, c.readbackEvery * this.#width * 4, "metrics");
    this.#evalCounts = storageBuffer(gpu, (c.readbackEvery + 1) * 4, "eval-counts");
    this.#reader = new Reader(gpu);
    if (c.evaluationDelta > 0) {
      this.#evaluator = new Evaluator(gpu, model, c.dataset, theta, {
        batchSize: c.batchSizeTest,
        reps: Math.max(1, c.batchSizeTestReps),
        topK: c.topK,
        seed: c.seed,
        state,
      });
    }
  }

  /**
   * Runs until step `limit` (null: unbounded) or until `stop()` returns true (checked once per step).
   * Evaluates at every multiple of the evaluation delta, including the last step, and calls `checkpoint`
   * at every multiple of `checkpointDelta` (after flushing the results, so that files and checkpoint
   * agree). Returns whether it was interrupted.
   */
  async run(
    limit: number | null,
    stop: () => boolean,
    observer: Observer,
    checkpoints?: { readonly delta: number; readonly save: () => Promise<void> },
  ): Promise<boolean> {
    const c = this.#config;
    let interrupted = false;
    for (;;) {
      const t = this.step;
      if (!this.#resumed) {
        if (this.#evaluator && t % c.evaluationDelta === 0) this.#recordEvaluation(t);
        if (checkpoints && checkpoints.delta > 0 && t % checkpoints.delta === 0) {
          await this.flush(observer);
          await checkpoints.save();
        }
      }
      this.#resumed = false;
      if (limit !== null && t >= limit) break;
      if (stop()) {
        interrupted = true;
        break;
      }
      this.#recordStep(t);
      if (++this.#unread >= c.readbackEvery) await this.flush(observer);
    }
    await this.flush(observer);
    await drain(this.#gpu); // nothing may still run when the caller exits
    return interrupted;
  }

  /** Settings that a checkpoint must share with the run that loads it. */
  fingerprint(): CheckpointState["fingerprint"] {
    const c = this.#config;
    return {
      model: c.model.name,
      dataset: c.dataset.name,
      parameters: this.d,
      workers: c.workers,
      honest: honestWorkers(c),
      sampled: sampledGradients(c),
      momentumAt: c.momentumAt,
      study: c.study,
      studyPast: c.study ? c.studyPast : 0,
      // Only when on, so that checkpoints written before the option existed still match.
      ...(this.#width > STUDY_GPU_COLUMNS && { acceptation: true }),
      batchSize: c.batchSize,
      evaluation: this.#evaluator !== undefined,
      testBatch: c.batchSizeTest,
      testReps: c.batchSizeTestReps,
    };
  }

  /** Everything needed to continue this run exactly (call after `run` returned: nothing is pending). */
  async snapshot(): Promise<CheckpointState> {
    const names = Object.keys(this.#persistent);
    const data = await this.#reader.read(names.map((name) => this.#persistent[name]));
    return {
      step: this.step,
      datapoints: this.datapoints,
      ring: { ...this.#ring },
      trainFeed: this.#feed.getState(),
      testFeed: this.#evaluator?.feed.getState() ?? null,
      fingerprint: this.fingerprint(),
      buffers: Object.fromEntries(names.map((name, i) => [name, new Float32Array(data[i])])),
    };
  }

  /** Continues from a checkpoint (whose fingerprint was checked against this run's). */
  restore(state: CheckpointState): void {
    for (const [name, region] of Object.entries(this.#persistent)) {
      const data = state.buffers[name];
      if (!data || data.byteLength !== region.size) {
        throw new CheckpointError(
          `Unable to load checkpoint: buffer '${name}' is missing or has the wrong size`,
        );
      }
      writeBuffer(this.#gpu, region.buffer, region.offset, data);
    }
    this.step = state.step;
    this.datapoints = state.datapoints;
    this.#ring = { ...state.ring };
    this.#feed.setState(state.trainFeed);
    if (this.#evaluator && state.testFeed) this.#evaluator.feed.setState(state.testFeed);
    this.#resumed = true;
  }

  /** Reads back every pending metric row and accuracy and hands them to `observer`, in step order. */
  async flush(observer: Observer): Promise<void> {
    if (this.#pending.length === 0) return;
    const rows = this.#pending.filter((p) => p.kind === "study").length;
    const evals = this.#pending.length - rows;
    const [metricBytes, countBytes] = await this.#reader.read([
      { buffer: this.#metrics, offset: 0, size: Math.max(1, rows) * this.#width * 4 },
      { buffer: this.#evalCounts, offset: 0, size: Math.max(1, evals) * 4 },
    ]);
    const metrics = new Float32Array(metricBytes), counts = new Float32Array(countBytes);
    for (const p of this.#pending) {
      if (p.kind === "eval") observer.evaluated(p.step, counts[p.slot], p.total);
      else {
        const at = p.slot * this.#width;
        const row = metrics.slice(at, at + STUDY_GPU_COLUMNS);
        if (this.#width === STUDY_GPU_COLUMNS) observer.studied(p.step, p.datapoints, row);
        else {
          // The count over the number retained, divided in f64 as the reference's Python does.
          const share = this.#retained === undefined ? NaN : metrics[at + STUDY_GPU_COLUMNS] / this.#retained;
          observer.studied(p.step, p.datapoints, row, share);
        }
      }
    }
    this.#pending = [];
    this.#unread = 0;
    await observer.flush();
  }

  #recordEvaluation(t: number): void {
    const slot = this.#pending.filter((p) => p.kind === "eval").length;
    const rec = new Recorder(this.#gpu);
    const total = this.#evaluator!.record(rec, this.#evalCounts, slot);
    rec.submit();
    this.#pending.push({ kind: "eval", step: t, total, slot });
  }

  #recordStep(t: number): void {
    const c = this.#config;
    this.#gradients.fill(this.#feed, t);
    const block = new DataView(new ArrayBuffer(16));
    block.setFloat32(0, learningRateAt(c, t), true);
    block.setUint32(4, t === 0 && c.compat.torchFirstMomentum ? 1 : 0, true);
    block.setUint32(8, this.#ring.pos, true);
    block.setUint32(12, this.#ring.count, true);
    this.#gpu.device.queue.writeBuffer(this.#stepBlock, 0, block);
    const rec = new Recorder(this.#gpu);
    this.#submit(rec);
    if (this.#study) {
      const slot = this.#pending.filter((p) => p.kind === "study").length;
      const at = slot * this.#width * 4;
      rec.copy(this.#study.row, 0, this.#metrics, at, STUDY_GPU_COLUMNS * 4);
      if (this.#attackCount) rec.copy(this.#attackCount, 0, this.#metrics, at + STUDY_GPU_COLUMNS * 4, 4);
      this.#pending.push({ kind: "study", step: t, datapoints: this.datapoints, slot });
      this.#ring = {
        pos: (this.#ring.pos + 1) % c.studyPast,
        count: Math.min(this.#ring.count + 1, c.studyPast),
      };
    }
    rec.submit();
    this.step = t + 1;
    this.datapoints += c.batchSize * honestWorkers(c) * c.localSteps;
  }
}
