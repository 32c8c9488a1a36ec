/**
 * Host side of the data: the reference's shared infinite training and test loaders (spec 5.4), drawn with
 * our own seeded streams, packed into the u32 words the gather kernel reads (sample indices with bit 31 =
 * horizontal flip, then the number of valid rows per worker). Only these words travel to the GPU; the
 * images stay there as uint8.
 */
import type { Dataset } from "../data/dataset.ts";
import { Rng } from "../data/rng.ts";
import { BatchStream, type BatchStreamState } from "../data/sampler.ts";

/** RNG stream numbers derived from the run's seed, in the order of use of spec 14. */
export const STREAM = { init: 0, train: 1, test: 2, trainFlips: 3, testFlips: 4 } as const;

const FLIP = 0x80000000;

/** Checkpointable state of a feed. */
export interface FeedState {
  readonly stream: BatchStreamState;
  readonly flips: number[];
}

/** One loader (training or test) and its flip stream. */
export class Feed {
  #stream: BatchStream;
  #flips: Rng;

  constructor(
    private readonly count: number,
    private readonly batchSize: number,
    private readonly flip: boolean,
    seed: number,
    streams: { readonly batches: number; readonly flips: number },
  ) {
    this.#stream = new BatchStream(count, batchSize, new Rng(seed, streams.batches));
    this.#flips = new Rng(seed, streams.flips);
  }

  /** The training feed of a dataset. */
  static training(dataset: Dataset, batchSize: number, seed: number): Feed {
    return new Feed(dataset.train.count, batchSize, dataset.flipTrain, seed, {
      batches: STREAM.train,
      flips: STREAM.trainFlips,
    });
  }

  /** The test feed of a dataset. */
  static test(dataset: Dataset, batchSize: number, seed: number): Feed {
    return new Feed(dataset.test.count, batchSize, dataset.flipTest, seed, {
      batches: STREAM.test,
      flips: STREAM.testFlips,
    });
  }

  /** The next batch's entries: sample indices, bit 31 set for the images to flip. */
  next(): Uint32Array {
    const batch = this.#stream.next();
    if (this.flip) {
      for (let r = 0; r < batch.length; r++) if (this.#flips.nextFloat() < 0.5) batch[r] |= FLIP;
    }
    return batch;
  }

  /** State for checkpoints. */
  getState(): FeedState {
    return { stream: this.#stream.getState(), flips: this.#flips.getState() };
  }

  /** Restores a state saved by `getState`. */
  setState(state: FeedState): void {
    this.#stream = BatchStream.fromState(this.count, this.batchSize, state.stream);
    this.#flips = Rng.fromState(state.flips);
  }
}
