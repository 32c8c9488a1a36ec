/** The reference's infinite shuffled data loader, as a stream of batches of sample indices. */

import { Rng } from "./rng.ts";

/** Checkpointable position of a `BatchStream`: generator state at the start of the epoch, and offset. */
export interface BatchStreamState {
  /** `Rng.getState()` just before the current epoch's permutation was drawn. */
  epochRng: number[];
  /** Samples of the current epoch already handed out (0 … count). */
  position: number;
}

/**
 * Endless batches over `count` samples: each epoch walks a fresh random permutation in batches of
 * `batchSize`, the last batch of an epoch being smaller when `batchSize` does not divide `count`
 * (e.g. 60 000 / 83 → 722 batches of 83 then one of 74). The stream owns `rng`.
 */
export class BatchStream {
  readonly count: number;
  readonly batchSize: number;
  #rng: Rng;
  #epochRng: number[] = [];
  #permutation = new Uint32Array(0);
  #position = 0;

  /** Starts the first epoch (draws its permutation from `rng` now). */
  constructor(count: number, batchSize: number, rng: Rng) {
    if (!Number.isSafeInteger(count) || count < 1 || count >= 2 ** 32) {
      throw new RangeError(`Invalid sample count ${count}`);
    }
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`Invalid batch size ${batchSize}`);
    }
    this.count = count;
    this.batchSize = batchSize;
    this.#rng = rng;
    this.#startEpoch();
  }

  /** Rebuilds a stream from `getState()` output; it continues exactly where the saved one was. */
  static fromState(count: number, batchSize: number, state: BatchStreamState): BatchStream {
    const stream = new BatchStream(count, batchSize, Rng.fromState(state.epochRng));
    if (!Number.isSafeInteger(state.position) || state.position < 0 || state.position > count) {
      throw new RangeError(`Invalid batch stream position ${state.position} for ${count} samples`);
    }
    stream.#position = state.position;
    return stream;
  }

  /** Compact state for checkpoints (the permutation is regenerated on restore). */
  getState(): BatchStreamState {
    return { epochRng: [...this.#epochRng], position: this.#position };
  }

  /** Indices of the next batch (a fresh array), starting a new epoch when the current one is used up. */
  next(): Uint32Array<ArrayBuffer> {
    if (this.#position >= this.count) this.#startEpoch();
    const end = Math.min(this.#position + this.batchSize, this.count);
    const batch = this.#permutation.slice(this.#position, end);
    this.#position = end;
    return batch;
  }

  /** Draws the permutation of a new epoch, remembering the generator state it came from. */
  #startEpoch(): void {
    this.#epochRng = this.#rng.getState();
    this.#permutation = this.#rng.permutation(this.count);
    this.#position = 0;
  }
}
