/**
 * Byzantine-resilient distributed SGD on WebGPU: the library entry point.
 *
 * Rules and attacks can be used on their own, on vectors held in memory (they run on the GPU):
 *
 * @example
 * ```ts
 * import { aggregate, checkRule } from "./mod.ts";
 * const rows = [new Float32Array([3, 1]), new Float32Array([-2, 3]), new Float32Array([-3, -2])];
 * console.log(checkRule("average", 3, 1)); // undefined: valid
 * console.log(await aggregate("average", rows, 1)); // Float32Array [ -0.666..., 0.666... ]
 * ```
 *
 * The simulator itself is `Simulator` (train/simulator.ts) driven by a `TrainingConfig`.
 * @module
 */
import { acquireGpu } from "./gpu/device.ts";
import { getRule } from "./gar/registry.ts";
import { aggregateOnGpu } from "./gar/run.ts";
import { type Args, type Behaviour, DEFAULT_BEHAVIOUR } from "./gar/rule.ts";
import { getAttack } from "./attacks/registry.ts";
import { attackOnGpu } from "./attacks/run.ts";

export { acquireGpu, type Gpu } from "./gpu/device.ts";
export { getRule, ruleNames } from "./gar/registry.ts";
export {
  type Args,
  type Behaviour,
  DEFAULT_BEHAVIOUR,
  type InfluenceTarget,
  type Rule,
  type Selection,
} from "./gar/rule.ts";
export { attackNames, getAttack } from "./attacks/registry.ts";
export type { Attack } from "./attacks/attack.ts";
export { getModel, modelNames } from "./models/registry.ts";
export { datasetNames, loadDataset } from "./data/registry.ts";
export { COMPAT, type TrainingConfig } from "./train/config.ts";
export { type Observer, Simulator } from "./train/simulator.ts";

/**
 * Aggregates `rows` (n vectors of equal length) with rule `name` on the GPU, declaring `f` Byzantine, in the
 * variant `behaviour` (the reference's quirks or the corrected rule, like `--compat`). Throws when the rule
 * is unknown (the message lists the known ones) or refuses (n, f, args).
 */
export async function aggregate(
  name: string,
  rows: Float32Array[],
  f: number,
  args: Args = {},
  behaviour: Behaviour = DEFAULT_BEHAVIOUR,
): Promise<Float32Array> {
  const rule = getRule(name);
  const problem = rule.check(rows.length, f, args, behaviour);
  if (problem) {
    throw new Error(`Aggregation rule '${name}' cannot be used with the given parameters: ${problem}`);
  }
  return aggregateOnGpu(await acquireGpu(), rule, rows, f, args, behaviour);
}

/** Why rule `name` refuses (n, f, args) in the variant `behaviour`, or undefined when it accepts them. */
export function checkRule(
  name: string,
  n: number,
  f: number,
  args: Args = {},
  behaviour: Behaviour = DEFAULT_BEHAVIOUR,
): string | undefined {
  return getRule(name).check(n, f, args, behaviour);
}

/** The rule's variance-norm bound for (n, f, d), or undefined when the theory gives none. */
export function upperBound(name: string, n: number, f: number, d: number): number | undefined {
  return getRule(name).upperBound?.(n, f, d);
}

/**
 * The `fReal` Byzantine vectors that attack `name` sends against rule `rule` (f declared = `fDecl`),
 * computed on the GPU from the honest vectors; `behaviour` is the variant of the attack and of the rule its
 * line search evaluates. Throws on unknown names or refused parameters.
 */
export async function attack(
  name: string,
  honest: Float32Array[],
  fReal: number,
  fDecl: number,
  rule: string,
  args: Args = {},
  behaviour: Behaviour = DEFAULT_BEHAVIOUR,
): Promise<Float32Array[]> {
  const chosen = getAttack(name);
  const problem = chosen.check(honest.length, fReal, fDecl, args, behaviour);
  if (problem) throw new Error(`Attack '${name}' cannot be used with the given parameters: ${problem}`);
  return attackOnGpu(await acquireGpu(), chosen, honest, fReal, fDecl, getRule(rule), args, behaviour);
}
