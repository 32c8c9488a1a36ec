/**
 * The per-step study metrics of spec section 4, computed on the GPU without any wait: column statistics of
 * the sampled, honest and Byzantine rows, dot products between their averages, the aggregate, θ − θ₀ and
 * the running weighted sum of past sampled averages, combined by `shaders/study_row.wgsl` into one row of 21 floats
 * (columns 2–22 of the `study` file; the step number and the training point count come from the host).
 */
import type { Gpu } from "../gpu/device.ts";
import { type Region, storageBuffer } from "../gpu/buffers.ts";
import { type Dispatch, type Recorder } from "../gpu/kernel.ts";
import { axpby, colstats } from "../ops/optim.ts";
import { dots, Reduce, reduceRows } from "../ops/reduce.ts";
import { perElement, perGroup } from "../ops/launch.ts";
import { Params } from "../gpu/buffers.ts";

/** Number of GPU-computed columns of a study row. */
export const STUDY_GPU_COLUMNS = 21;

/** The GPU buffers the study reads. */
export interface StudyInputs {
  readonly d: number;
  /** K sampled gradients, rows of G. */
  readonly sampled: number;
  /** Number of per-worker losses recorded per step (K times the local steps). */
  readonly losses: number;
  /** h honest rows then f_r Byzantine rows of S. */
  readonly honest: number;
  /**
   * The h honest rows of S are exactly the first rows of G (momentum at the update and K = h): their
   * statistics are those of the sampled gradients, written twice instead of computed twice.
   */
  readonly honestAreSampled?: boolean;
  readonly byzantine: number;
  readonly past: number;
  readonly momentum: number;
  readonly G: GPUBuffer;
  readonly S: GPUBuffer;
  readonly aggregate: GPUBuffer;
  readonly theta: GPUBuffer;
  readonly theta0: GPUBuffer;
  /** Per-step uniform block (lr, first, ringPos, ringCount). */
  readonly step: GPUBuffer;
}

/** Slot of ‖ḡ_{t−1}‖² in `stats` (layout in shaders/study_row.wgsl). */
const PAST_NORM = 20;

const GRAM_PAIRS: [number, number][] = [
  [0, 0],
  [1, 1],
  [2, 2],
  [3, 3],
  [4, 4],
  [0, 1],
  [0, 2],
  [0, 3],
  [1, 2],
  [1, 3],
  [
    2,
    3,
  ],
];

/** The study's kernels and buffers, bound once. */
export class StudyStage {
  /** Scalars of the study; the K per-worker losses go at `lossOffset`. */
  readonly stats: GPUBuffer;
  readonly lossOffset: number;
  /** The last computed row (21 floats). */
  readonly row: GPUBuffer;
  readonly #vectors: GPUBuffer;
  readonly #ring: GPUBuffer;
  readonly #pastSums: GPUBuffer;
  readonly #d: number;
  readonly #past: number;
  readonly #before: Dispatch[];

  constructor(gpu: Gpu, s: StudyInputs) {
    const d = s.d, P = s.past;
    this.#d = d;
    this.#past = P;
    this.lossOffset = PAST_NORM + 1;
    this.stats = storageBuffer(gpu, (this.lossOffset + s.losses) * 4, "study-stats");
    this.row = storageBuffer(gpu, STUDY_GPU_COLUMNS * 4, "study-row");
    // Study vectors: 0 sampled avg, 1 honest avg, 2 Byzantine avg, 3 aggregate, 4 θ − θ₀.
    this.#vectors = storageBuffer(gpu, 5 * d * 4, "study-vectors");
    this.#ring = storageBuffer(gpu, P * d * 4, "study-past");
    // W = Σ μ^k ḡ_{t−k} and ḡ_{t−1} (shaders/study_past.wgsl).
    this.#pastSums = storageBuffer(gpu, 2 * d * 4, "study-past-sums");
    const squares = storageBuffer(gpu, 3 * d * 4, "study-squares");
    const V = this.#vectors;
    this.#before = [
      ...(s.honestAreSampled
        ? [colstats(gpu, s.G, 0, s.sampled, d, V, 0, squares, 0, { avgOff: d, sqOff: d })]
        : [
          colstats(gpu, s.G, 0, s.sampled, d, V, 0, squares, 0),
          colstats(gpu, s.S, 0, s.honest, d, V, d, squares, d),
        ]),
      colstats(gpu, s.S, s.honest, s.byzantine, d, V, 2 * d, squares, 2 * d),
      axpby(gpu, d, 1, s.aggregate, 0, 0, s.aggregate, 0, V, 3 * d),
      axpby(gpu, d, 1, s.theta, 0, -1, s.theta0, 0, V, 4 * d),
      ...reduceRows(gpu, squares, { rows: 3, len: d, stride: d }, Reduce.Sum, this.stats, 0),
      ...dots(gpu, V, V, d, d, GRAM_PAIRS, this.stats, 3),
      ...dots(gpu, V, this.#pastSums, d, d, [[0, 0], [0, 1]], this.stats, 14),
      ...reduceRows(gpu, V, { rows: 4, len: d, stride: d }, Reduce.MaxAbs, this.stats, 16),
      perGroup(
        gpu,
        "study_row.wgsl",
        new Params().u32(s.sampled).u32(s.honest).u32(s.byzantine).u32(s.losses),
        [s.step, this.stats, this.row],
        [1],
      ),
      perElement(
        gpu,
        "study_past.wgsl",
        new Params().u32(d).u32(P).f32(s.momentum).f32(Math.fround(s.momentum ** (P + 1))),
        [s.step, V, this.#ring, this.#pastSums],
        d,
      ),
    ];
  }

  /** GPU state that outlives a step: the past sampled averages, their weighted sum, ‖ḡ_{t−1}‖² (checkpoints). */
  persistent(): Record<string, Region> {
    const d = this.#d;
    return {
      "study-past": { buffer: this.#ring, offset: 0, size: this.#past * d * 4 },
      "study-past-sums": { buffer: this.#pastSums, offset: 0, size: 2 * d * 4 },
      "study-past-norm": { buffer: this.stats, offset: PAST_NORM * 4, size: 4 },
    };
  }

  /** Records the metrics of this step, then pushes the sampled average into past slot `ringPos`. */
  record(rec: Recorder, ringPos: number): void {
    for (const d of this.#before) rec.run(d);
    rec.copy(this.#vectors, 0, this.#ring, ringPos * this.#d * 4, this.#d * 4);
  }
}
