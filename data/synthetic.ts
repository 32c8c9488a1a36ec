/**
 * SYNTHETIC data, not a real dataset: random images with a learnable class signal, for benchmarks and tests
 * on machines without data files. Each class has a random prototype image; a sample is its class prototype
 * plus independent uniform noise per pixel. Fully determined by the seed.
 */

import { type Dataset, DatasetError, type Split } from "./dataset.ts";
import { Rng } from "./rng.ts";

/** Shape and size of a synthetic dataset. */
export interface SyntheticShape {
  channels: number;
  height: number;
  width: number;
  classes: number;
  trainCount: number;
  testCount: number;
}

/** MNIST's shape and sizes, the default. */
export const MNIST_SHAPE: Readonly<SyntheticShape> = {
  channels: 1,
  height: 28,
  width: 28,
  classes: 10,
  trainCount: 60000,
  testCount: 10000,
};

/** Stream of `Rng(seed, ·)` reserved for synthetic data. */
const SYNTHETIC_STREAM = 0x5937;
/** Prototype pixels are uniform in [0, 128), noise uniform in [0, 128): pixels stay below 255. */
const PROTOTYPE_RANGE = 128;

/**
 * Generates a synthetic dataset (MNIST shape unless overridden), without normalisation (mean 0, std 1)
 * and without flips. Train samples are drawn first, then test samples, from the same class prototypes.
 */
export function syntheticDataset(
  name = "synthetic",
  shape: Partial<SyntheticShape> = {},
  seed = 0,
): Dataset {
  const full = { ...MNIST_SHAPE, ...shape };
  for (const [key, value] of Object.entries(full)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new DatasetError(`Synthetic dataset '${name}': ${key} must be a positive integer, got ${value}`);
    }
  }
  if (full.classes > 256) {
    throw new DatasetError(`Synthetic dataset '${name}': at most 256 classes, got ${full.classes}`);
  }
  const rng = new Rng(seed, SYNTHETIC_STREAM);
  const pixels = full.channels * full.height * full.width;
  const prototypes = new Uint8Array(full.classes * pixels);
  for (let i = 0; i < prototypes.length; i++) prototypes[i] = rng.nextBelow(PROTOTYPE_RANGE);
  return {
    name,
    channels: full.channels,
    height: full.height,
    width: full.width,
    classes: full.classes,
    train: generateSplit(full.trainCount, pixels, full.classes, prototypes, rng),
    test: generateSplit(full.testCount, pixels, full.classes, prototypes, rng),
    mean: new Array(full.channels).fill(0),
    std: new Array(full.channels).fill(1),
    flipTrain: false,
    flipTest: false,
  };
}

/** Draws `count` labelled samples: prototype of a uniformly drawn class plus noise. */
function generateSplit(
  count: number,
  pixels: number,
  classes: number,
  prototypes: Uint8Array,
  rng: Rng,
): Split {
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let sample = 0; sample < count; sample++) {
    const label = rng.nextBelow(classes);
    labels[sample] = label;
    const prototype = prototypes.subarray(label * pixels, (label + 1) * pixels);
    const image = images.subarray(sample * pixels, (sample + 1) * pixels);
    let noise = 0;
    for (let p = 0; p < pixels; p++) {
      if (p % 4 === 0) noise = rng.nextU32();
      image[p] = prototype[p] + ((noise >>> (8 * (p % 4))) & 0x7f);
    }
  }
  return { images, labels, count };
}
