/**
 * Fashion-MNIST (data/fashion_mnist.ts) from Debian's `dataset-fashion-mnist` (CI installs it): the four
 * files load with the spec's transforms (flips of train and test images, no normalisation); gzipped or
 * raw copies in a data directory work; corrupted and missing files are reported with their path.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatasetError } from "../data/dataset.ts";
import { FASHION_MNIST_DEBIAN_DIRECTORY, loadFashionMnist } from "../data/fashion_mnist.ts";
import { gunzip } from "../data/tar.ts";
import { withTempDir } from "./helpers.ts";

const FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

Deno.test("Fashion-MNIST: Debian's files load as 60,000 + 10,000 flipped, unnormalised 1×28×28 images", async () => {
  const fashion = await loadFashionMnist(FASHION_MNIST_DEBIAN_DIRECTORY);
  assert.deepEqual([fashion.name, fashion.channels, fashion.height, fashion.width, fashion.classes], [
    "fashionmnist",
    1,
    28,
    28,
    10,
  ]);
  assert.deepEqual([fashion.train.count, fashion.test.count], [60000, 10000]);
  // First labels: ankle boot, t-shirt / ankle boot, pullover.
  assert.deepEqual(Array.from(fashion.train.labels.subarray(0, 2)), [9, 0]);
  assert.deepEqual(Array.from(fashion.test.labels.subarray(0, 2)), [9, 2]);
  assert.deepEqual([fashion.mean, fashion.std, fashion.flipTrain, fashion.flipTest], [[0], [1], true, true]);
});

Deno.test("Fashion-MNIST: raw or gzipped copies in <dir>/fashion-mnist/; corrupted and missing files named", async () => {
  await withTempDir(async (directory) => {
    await assert.rejects(
      loadFashionMnist(directory),
      /Fashion-MNIST file 'train-images-idx3-ubyte' not found/,
    );
    const folder = join(directory, "fashion-mnist");
    await Deno.mkdir(folder);
    for (const [i, file] of FILES.entries()) {
      const gz = join(FASHION_MNIST_DEBIAN_DIRECTORY, `${file}.gz`);
      if (i % 2 === 0) await Deno.copyFile(gz, join(folder, `${file}.gz`));
      else await Deno.writeFile(join(folder, file), await gunzip(await Deno.readFile(gz)));
    }
    const raw = await loadFashionMnist(directory, true);
    assert.deepEqual([raw.train.count, raw.flipTrain, raw.flipTest], [60000, false, false]);
    const labels = join(folder, "t10k-labels-idx1-ubyte");
    const bytes = await Deno.readFile(labels);
    bytes[100] ^= 1;
    await Deno.writeFile(labels, bytes);
    await assert.rejects(loadFashionMnist(directory), (error: Error) => {
      assert.ok(error instanceof DatasetError);
      assert.match(error.message, /Fashion-MNIST file '.*t10k-labels-idx1-ubyte' is corrupted/);
      return true;
    });
  });
});
