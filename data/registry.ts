/** Dataset registry: name → loader. */

import { type Dataset, DatasetError } from "./dataset.ts";
import { loadCifar10 } from "./cifar10.ts";
import { loadFashionMnist } from "./fashion_mnist.ts";
import { loadMnist } from "./mnist.ts";
import { syntheticDataset } from "./synthetic.ts";

/** What every loader receives. */
export interface LoadOptions {
  /** Data directory overriding the default location (`--data-directory`). */
  directory?: string;
  /** Replace the default transforms by "to tensor" only (`--no-transform`). */
  noTransform: boolean;
  /** Non-negative run seed (used by generated datasets). */
  seed: number;
}

type Loader = (options: LoadOptions) => Promise<Dataset>;

const LOADERS: ReadonlyMap<string, Loader> = new Map<string, Loader>([
  ["mnist", (options) => loadMnist(options.directory, options.noTransform)],
  ["fashionmnist", (options) => loadFashionMnist(options.directory, options.noTransform)],
  ["cifar10", (options) => loadCifar10(options.directory, options.noTransform)],
  ["synthetic", (options) => Promise.resolve(syntheticDataset("synthetic", {}, options.seed))],
]);

/** Names of the known datasets, in registry order. */
export function datasetNames(): string[] {
  return [...LOADERS.keys()];
}

/** Loads a dataset by name; an unknown name is a `DatasetError` listing the known ones. */
export function loadDataset(name: string, options: LoadOptions): Promise<Dataset> {
  const loader = LOADERS.get(name);
  if (loader === undefined) {
    return Promise.reject(
      new DatasetError(`Unknown dataset '${name}', expected one of: ${datasetNames().join(", ")}`),
    );
  }
  return loader(options);
}
