/**
 * Fashion-MNIST loader (Xiao et al. 2017): the four IDX files of Debian's package `dataset-fashion-mnist`
 * (gzip-compressed, in /usr/share/datasets/fashion-mnist), or raw/gzipped copies in a data directory. The
 * decompressed content of each file is checked against its SHA-256 digest.
 */

import { join } from "node:path";
import { type Dataset, DatasetError, sha256Hex, type Split } from "./dataset.ts";
import { parseIdx } from "./idx.ts";
import { DATA_DIR_ENV } from "./mnist.ts";
import { gunzip } from "./tar.ts";

/** Where Debian's package installs the files. */
export const FASHION_MNIST_DEBIAN_DIRECTORY = "/usr/share/datasets/fashion-mnist";

/** SHA-256 of the decompressed IDX files. */
const FILES = {
  trainImages: {
    file: "train-images-idx3-ubyte",
    sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  },
  trainLabels: {
    file: "train-labels-idx1-ubyte",
    sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  },
  testImages: {
    file: "t10k-images-idx3-ubyte",
    sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  },
  testLabels: {
    file: "t10k-labels-idx1-ubyte",
    sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
} as const;

type FileKey = keyof typeof FILES;

/**
 * Loads Fashion-MNIST (60 000 train, 10 000 test, 1×28×28, 10 classes). The reference's transform is a
 * random horizontal flip of train and test images without normalisation (spec 5.4); `noTransform` drops
 * the flips. Files are looked up in `directory` (or `$BYZMOM_DATA_DIR`), in its `fashion-mnist/`, then
 * `fashionmnist/`, then in itself; by default where Debian installs them. `<name>` or `<name>.gz` both work.
 */
export async function loadFashionMnist(directory?: string, noTransform = false): Promise<Dataset> {
  const root = directory ?? Deno.env.get(DATA_DIR_ENV);
  const candidates = root === undefined
    ? [FASHION_MNIST_DEBIAN_DIRECTORY]
    : [join(root, "fashion-mnist"), join(root, "fashionmnist"), root];
  const data = {} as Record<FileKey, { path: string; bytes: Uint8Array<ArrayBuffer> }>;
  for (const key of Object.keys(FILES) as FileKey[]) {
    const { file, sha256 } = FILES[key];
    const found = await readFirst(file, candidates, root === undefined);
    const actual = await sha256Hex(found.bytes);
    if (actual !== sha256) {
      throw new DatasetError(
        `Fashion-MNIST file '${found.path}' is corrupted (SHA-256 ${actual} once decompressed, expected ${sha256})`,
      );
    }
    data[key] = found;
  }
  const split = (images: FileKey, labels: FileKey): Split => {
    const labelData = parseIdx(data[labels].bytes, data[labels].path).data.slice();
    return {
      images: parseIdx(data[images].bytes, data[images].path).data.slice(),
      labels: labelData,
      count: labelData.length,
    };
  };
  return {
    name: "fashionmnist",
    channels: 1,
    height: 28,
    width: 28,
    classes: 10,
    train: split("trainImages", "trainLabels"),
    test: split("testImages", "testLabels"),
    mean: [0],
    std: [1],
    flipTrain: !noTransform,
    flipTest: !noTransform,
  };
}

/** Reads `file` or `file.gz` (decompressed) from the first candidate directory holding one of them. */
async function readFirst(
  file: string,
  candidates: string[],
  debian: boolean,
): Promise<{ path: string; bytes: Uint8Array<ArrayBuffer> }> {
  for (const directory of candidates) {
    for (const name of [file, `${file}.gz`]) {
      const path = join(directory, name);
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw new DatasetError(`Unable to read Fashion-MNIST file '${path}': ${(error as Error).message}`);
      }
      if (!name.endsWith(".gz")) return { path, bytes };
      try {
        return { path, bytes: await gunzip(bytes) };
      } catch (error) {
        throw new DatasetError(`Fashion-MNIST file '${path}' is not valid gzip: ${(error as Error).message}`);
      }
    }
  }
  const where = candidates.map((directory) => `'${directory}'`).join(" or ");
  const how = debian
    ? "install Debian's package with `apt-get install dataset-fashion-mnist` (as root), or point " +
      `--data-directory or ${DATA_DIR_ENV} at a directory holding the four IDX files`
    : "the directory must hold the four IDX files (raw or .gz)";
  throw new DatasetError(`Fashion-MNIST file '${file}' not found in ${where}; ${how}`);
}
