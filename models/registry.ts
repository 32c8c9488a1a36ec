/**
 * Model registry: name → model (spec 5.1 names).
 */
import type { Model } from "./model.ts";
import { mlp } from "./mlp.ts";
import { empireCnn, simplesConv } from "./convnets.ts";

const MODELS: Record<string, () => Model> = {
  "simples-full": () => mlp("simples-full", [784, 100, 10], { channels: 1, height: 28, width: 28 }),
  "simples-conv": simplesConv,
  "empire-cnn": empireCnn,
};

/** Names of the known models. */
export function modelNames(): string[] {
  return Object.keys(MODELS);
}

/** Returns the model called `name`, or throws an error listing the known ones. */
export function getModel(name: string): Model {
  const make = MODELS[name];
  if (!make) throw new Error(`Unknown model name '${name}', expected one of: ${modelNames().join(", ")}`);
  return make();
}
