/**
 * Derived columns of a loaded run (spec 9): variance-norm ratios and whether they are small enough for the
 * rule, epoch number, learning rate.
 */
import { getRule } from "../gar/registry.ts";
import { getModel } from "../models/registry.ts";
import { parameterCount } from "../models/model.ts";
import type { RunConfig, Session, Warn } from "./session.ts";
import { withColumns } from "./session.ts";

/** Training-set sizes used for `Epoch number`. */
const TRAIN_SIZES: Readonly<Record<string, number>> = {
  mnist: 60000,
  fashionmnist: 60000,
  cifar10: 50000,
  cifar100: 50000,
};

/** Column names added by the derivations. */
export const DERIVED = {
  sampledRatio: "Sampled ratio",
  honestRatio: "Honest ratio",
  ratioEnough: "Ratio enough for GAR?",
  epoch: "Epoch number",
  learningRate: "Learning rate",
} as const;

/** A number of `config.json`, or an error naming the missing key. */
function numberOf(json: RunConfig, key: string): number {
  const value = json[key];
  if (typeof value !== "number") throw new Error(`config.json: '${key}' is not a number`);
  return value;
}

/** The model's parameter count d, or NaN when the model is not registered here (no rule's bound uses d). */
function parameterCountOf(model: unknown): number {
  try {
    return parameterCount(getModel(String(model)));
  } catch {
    return NaN;
  }
}

/**
 * The rule's variance-norm bound (std-dev / norm) for the run's n = `nb_workers`, f = `nb_decl_byz` and d,
 * or undefined when the rule is unknown here or has no bound (`study.py`'s `has_known_ratio`).
 */
export function ratioBound(json: RunConfig): number | undefined {
  let rule;
  try {
    rule = getRule(String(json.gar));
  } catch {
    return undefined;
  }
  if (rule.upperBound === undefined) return undefined;
  return rule.upperBound(
    numberOf(json, "nb_workers"),
    numberOf(json, "nb_decl_byz"),
    parameterCountOf(json.model),
  );
}

/** Whether the run's rule has a known bound; null (with a warning) when `config.json` is missing. */
export function hasKnownRatio(session: Session, warn: Warn): boolean | null {
  if (session.json === null) {
    warn(`Run '${session.name}' has no config.json: unknown rule`);
    return null;
  }
  return ratioBound(session.json) !== undefined;
}

/** Element-wise `(deviation / norm)²` of two columns. */
function squaredRatio(session: Session, deviation: string, norm: string): Float64Array {
  const dev = session.data.columns.get(deviation), nrm = session.data.columns.get(norm);
  if (dev === undefined || nrm === undefined) {
    throw new Error(`Run '${session.name}' has no '${deviation}' / '${norm}' columns (no study file?)`);
  }
  return dev.map((value, row) => (value / nrm[row]) ** 2);
}

/**
 * Adds `Sampled ratio` and `Honest ratio` (the variance-norm ratios, spec 4) and `Ratio enough for GAR?`
 * (1 when the honest ratio is below the rule's squared bound, else 0). Without a known bound the threshold
 * is 0, so the test is always false (warned unless `quiet`); without `config.json` the test column is not added.
 */
export function computeRatio(session: Session, warn: Warn, quiet = false): Session {
  const sampled = squaredRatio(session, "Sampled gradient deviation", "Sampled gradient norm");
  const honest = squaredRatio(session, "Honest gradient deviation", "Honest gradient norm");
  const added = new Map<string, Float64Array>([[DERIVED.sampledRatio, sampled], [
    DERIVED.honestRatio,
    honest,
  ]]);
  if (session.json === null) {
    warn(`Run '${session.name}' has no config.json: '${DERIVED.ratioEnough}' not computed`);
  } else {
    const bound = ratioBound(session.json);
    if (bound === undefined && !quiet) {
      warn(`Run '${session.name}': rule '${session.json.gar}' has no known bound, its ratio is never enough`);
    }
    const threshold = bound === undefined ? 0 : bound ** 2;
    added.set(DERIVED.ratioEnough, honest.map((ratio) => ratio < threshold ? 1 : 0));
  }
  return withColumns(session, added);
}

/** Adds `Epoch number` = training points / training-set size (unknown datasets: not added, warned). */
export function computeEpoch(session: Session, warn: Warn): Session {
  const size = TRAIN_SIZES[String(session.json?.dataset)];
  const points = session.data.columns.get("Training point count");
  if (size === undefined || points === undefined) {
    warn(`Run '${session.name}': epoch number unknown (dataset or training point count missing)`);
    return session;
  }
  return withColumns(session, new Map([[DERIVED.epoch, points.map((count) => count / size)]]));
}

/** Adds `Learning rate` = η0 / (⌊step/Δ⌋·Δ/T + 1), or η0 without decay (spec 3.7). */
export function computeLr(session: Session, warn: Warn): Session {
  if (session.json === null) {
    warn(`Run '${session.name}' has no config.json: learning rate unknown`);
    return session;
  }
  const lr0 = numberOf(session.json, "learning_rate");
  const decay = numberOf(session.json, "learning_rate_decay");
  const delta = numberOf(session.json, "learning_rate_decay_delta");
  const rates = Float64Array.from(
    session.data.steps,
    (step) => decay > 0 ? lr0 / ((Math.floor(step / delta) * delta) / decay + 1) : lr0,
  );
  return withColumns(session, new Map([[DERIVED.learningRate, rates]]));
}

/** Every derived column (`study.py`'s `compute_all`). */
export function computeAll(session: Session, warn: Warn): Session {
  return computeLr(computeEpoch(computeRatio(session, warn, true), warn), warn);
}
