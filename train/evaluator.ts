/**
 * Top-k accuracy on the test set (spec 4, `eval`): `batch_size_test_reps` batches from the shared shuffled
 * test loader, forwarded in chunks, correct flags summed on the GPU into one slot of a counts buffer.
 */
import type { Gpu } from "../gpu/device.ts";
import { storageBuffer, uploadBuffer, writeBuffer } from "../gpu/buffers.ts";
import type { Dispatch, Recorder } from "../gpu/kernel.ts";
import type { Dataset } from "../data/dataset.ts";
import type { Model } from "../models/model.ts";
import { gather, topk } from "../ops/nn.ts";
import { Reduce, reduceRows } from "../ops/reduce.ts";
import { Feed } from "./feed.ts";

/** Largest input chunk forwarded at once (floats), to bound activation memory. */
const CHUNK_FLOATS = 8 * 1024 * 1024;

/** Binds the evaluation passes once; `record` queues one evaluation. */
export class Evaluator {
  readonly #feed: Feed;
  readonly #words: Uint32Array;
  readonly #batch: GPUBuffer;
  readonly #sum: GPUBuffer;
  readonly #chunks: Dispatch[][];
  readonly #final: Dispatch[];
  readonly #reps: number;
  readonly #chunkCount: number;

  constructor(
    private readonly gpu: Gpu,
    model: Model,
    dataset: Dataset,
    theta: GPUBuffer,
    options: {
      readonly batchSize: number;
      readonly reps: number;
      readonly topK: number;
      readonly seed: number;
      /** The model's state buffer (`PassOptions.state`), when the run has one. */
      readonly state?: GPUBuffer;
    },
  ) {
    const pixels = dataset.channels * dataset.height * dataset.width;
    const total = options.batchSize * options.reps;
    const chunk = Math.max(1, Math.min(total, Math.floor(CHUNK_FLOATS / pixels)));
    const chunks = Math.ceil(total / chunk);
    this.#reps = options.reps;
    this.#chunkCount = chunks;
    this.#feed = Feed.test(dataset, options.batchSize, options.seed);
    // Words: chunks·chunk sample entries, then one valid-row count per chunk.
    this.#words = new Uint32Array(chunks * chunk + chunks);
    this.#batch = storageBuffer(gpu, this.#words.byteLength, "eval-batch");
    const images = uploadBuffer(gpu, dataset.test.images, "test-images");
    const labels = uploadBuffer(gpu, dataset.test.labels, "test-labels");
    const passes = model.build(gpu, { theta, workers: 1, perWorker: chunk, state: options.state });
    const targets = storageBuffer(gpu, chunk * 4, "eval-targets");
    const correct = storageBuffer(gpu, chunks * chunk * 4, "eval-correct");
    const format = {
      channels: dataset.channels,
      height: dataset.height,
      width: dataset.width,
      mean: dataset.mean,
      std: dataset.std,
    };
    this.#chunks = Array.from({ length: chunks }, (_, c) => {
      const layout = { samples: chunk, perWorker: chunk, idxOff: c * chunk, cntOff: chunks * chunk + c };
      return [
        gather(gpu, images, labels, this.#batch, layout, format, passes.input, targets),
        ...passes.forward,
        topk(gpu, passes.logits, targets, chunk, model.classes, options.topK, correct, c * chunk),
      ];
    });
    this.#sum = storageBuffer(gpu, 16, "eval-sum");
    this.#final = reduceRows(
      gpu,
      correct,
      { rows: 1, len: chunks * chunk, stride: 0 },
      Reduce.Sum,
      this.#sum,
      0,
    );
  }

  /**
   * Draws the test batches, records the evaluation and copies the correct count into `counts[slot]`.
   * Writes the batch words now, so the caller must submit before the next `record`. Returns the sample count.
   */
  record(rec: Recorder, counts: GPUBuffer, slot: number): number {
    const chunkSize = (this.#words.length - this.#chunkCount) / this.#chunkCount;
    let drawn = 0;
    for (let r = 0; r < this.#reps; r++) {
      const batch = this.#feed.next();
      this.#words.set(batch, drawn);
      drawn += batch.length;
    }
    const countsAt = this.#chunkCount * chunkSize;
    for (let c = 0; c < this.#chunkCount; c++) {
      this.#words[countsAt + c] = Math.max(0, Math.min(chunkSize, drawn - c * chunkSize));
    }
    writeBuffer(this.gpu, this.#batch, 0, this.#words);
    for (const list of this.#chunks) for (const d of list) rec.run(d);
    for (const d of this.#final) rec.run(d);
    rec.copy(this.#sum, 0, counts, slot * 4, 4);
    return drawn;
  }

  /** The test feed, for checkpoints. */
  get feed(): Feed {
    return this.#feed;
  }
}
