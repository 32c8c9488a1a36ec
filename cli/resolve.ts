/**
 * Turns validated experiment options into the training loop's configuration: looks names up in the
 * registries and checks the rule's and the attack's parameters, all before anything is written (the
 * reference only found out at step 0).
 */
import type { ExperimentOptions, ExtraOptions, KeyvalDict } from "./options.ts";
import { OptionsError } from "./options.ts";
import { getRule } from "../gar/registry.ts";
import { getAttack } from "../attacks/registry.ts";
import { getModel } from "../models/registry.ts";
import { loadDataset } from "../data/registry.ts";
import { PyFloat } from "../results/format.ts";
import { COMPAT, type MomentumAt, type TrainingConfig } from "../train/config.ts";
import type { Args } from "../gar/rule.ts";

const LOSSES = ["nll"];
const CRITERIA = ["top-k"];

/** Plain values of a `key:value` dict (Python floats become numbers). */
export function plainArgs(dict: KeyvalDict): Args {
  return Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, v instanceof PyFloat ? v.value : v]));
}

/**
 * Resolves everything but the dataset (fast checks first), then loads and verifies the dataset. The rule and
 * the attack are checked in the run's variant (`--compat`, gar/rule.ts `Behaviour`).
 */
export async function resolveConfig(
  o: ExperimentOptions,
  extra: ExtraOptions,
  seed: number,
): Promise<TrainingConfig> {
  const fail = (message: string) => {
    throw new OptionsError(message);
  };
  const rule = lookup(() => getRule(o.gar));
  const attack = lookup(() => getAttack(o.attack));
  const model = lookup(() => getModel(o.model));
  if (!LOSSES.includes(o.loss)) fail(`Unknown loss name '${o.loss}', expected one of: ${LOSSES.join(", ")}`);
  if (!CRITERIA.includes(o.criterion)) {
    fail(`Unknown criterion name '${o.criterion}', expected one of: ${CRITERIA.join(", ")}`);
  }
  for (
    const [flag, value] of [["--batch-size", o.batch_size], ["--batch-size-test", o.batch_size_test]] as const
  ) {
    if (value < 1) fail(`Invalid arguments: non-positive ${flag.slice(2).replaceAll("-", " ")} ${value}`);
  }
  if (o.nb_workers < 1) fail(`Invalid arguments: non-positive number of workers ${o.nb_workers}`);
  const ruleArgs = plainArgs(o.gar_args), attackArgs = plainArgs(o.attack_args);
  const h = o.nb_workers - o.nb_real_byz;
  const ruleProblem = rule.check(o.nb_workers, o.nb_decl_byz, ruleArgs, extra.compat);
  if (ruleProblem) {
    fail(`Aggregation rule '${rule.name}' cannot be used with the given parameters: ${ruleProblem}`);
  }
  const attackProblem = attack.check(h, o.nb_real_byz, o.nb_decl_byz, attackArgs, extra.compat);
  if (attackProblem) {
    fail(`Attack '${attack.name}' cannot be used with the given parameters: ${attackProblem}`);
  }
  const k = o.criterion_args.k ?? 1;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1) {
    fail(`Invalid criterion argument k:${k}, expected a positive integer`);
  }
  const dataset = await loadDataset(o.dataset, {
    directory: extra.dataDirectory ?? undefined,
    noTransform: o.no_transform,
    seed,
  });
  const input = model.input;
  if (
    dataset.channels !== input.channels || dataset.height !== input.height || dataset.width !== input.width
  ) {
    fail(
      `Model '${model.name}' expects ${input.channels}x${input.height}x${input.width} inputs, dataset '${dataset.name}' has ${dataset.channels}x${dataset.height}x${dataset.width}`,
    );
  }
  return {
    seed,
    workers: o.nb_workers,
    declaredByzantine: o.nb_decl_byz,
    realByzantine: o.nb_real_byz,
    studySamples: o.nb_for_study,
    studyPast: o.nb_for_study_past,
    study: o.result_directory !== null && o.nb_for_study > 0,
    rule,
    ruleArgs,
    attack,
    attackArgs,
    model,
    dataset,
    batchSize: o.batch_size,
    batchSizeTest: o.batch_size_test,
    batchSizeTestReps: o.batch_size_test_reps,
    learningRate: o.learning_rate,
    learningRateDecay: o.learning_rate_decay,
    learningRateDecayDelta: o.learning_rate_decay_delta,
    momentum: o.momentum,
    dampening: o.dampening,
    momentumAt: o.momentum_at as MomentumAt,
    nesterov: extra.nesterov,
    localSteps: o.nb_local_steps,
    weightDecay: o.weight_decay,
    l1: o.l1_regularize,
    l2: o.l2_regularize,
    gradientClip: o.gradient_clip,
    evaluationDelta: o.evaluation_delta,
    topK: k as number,
    compat: COMPAT[extra.compat],
    behaviour: extra.compat,
    readbackEvery: extra.metricsReadback,
    acceptation: extra.acceptation,
  };
}

function lookup<T>(get: () => T): T {
  try {
    return get();
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
}
