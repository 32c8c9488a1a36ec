/**
 * What the training loop needs, already resolved (rules, attack, model and dataset objects instead of
 * names). Commands build it from their options; the loop never sees argv.
 */
import type { Args, Behaviour, Rule } from "../gar/rule.ts";
import type { Attack } from "../attacks/attack.ts";
import type { Model } from "../models/model.ts";
import type { Dataset } from "../data/dataset.ts";

/** Where momentum is applied (spec 3.5). */
export type MomentumAt = "update" | "server" | "worker";

/** Behaviours where the reference (23b7ebd) differs from what it meant (spec section 10). */
export interface Compat {
  /** Clipping rescales to norm 1 instead of to the threshold (spec 3.3, QUIRK 1). */
  readonly unitClip: boolean;
  /** Regularisation factors are squared (spec 5.2, QUIRK 2). */
  readonly squaredRegularization: boolean;
  /** The update momentum buffer starts as the raw first gradient, as torch 1.2 (QUIRK 14). */
  readonly torchFirstMomentum: boolean;
  /** Training-mode forward passes: per-worker batch-statistics BatchNorm and active dropout (QUIRK 3). */
  readonly trainMode: boolean;
}

/** The reference's behaviour, and the corrected one. */
export const COMPAT: Readonly<Record<"reference-v1" | "corrected", Compat>> = {
  "reference-v1": { unitClip: true, squaredRegularization: true, torchFirstMomentum: true, trainMode: false },
  corrected: { unitClip: false, squaredRegularization: false, torchFirstMomentum: false, trainMode: true },
};

/** One experiment's resolved configuration. */
export interface TrainingConfig {
  /** Non-negative seed of every random stream of the run. */
  readonly seed: number;
  /** n: total workers. */
  readonly workers: number;
  /** f: Byzantine workers declared to the rule and the attack. */
  readonly declaredByzantine: number;
  /** f_r: Byzantine vectors actually produced. */
  readonly realByzantine: number;
  /** Gradients sampled per step for the study (K = max(h, this)); ≤ 0 or `study` false: no study. */
  readonly studySamples: number;
  /** Past sampled averages kept for the curvature metric. */
  readonly studyPast: number;
  /** Whether the study metrics are computed (a result directory is set and studySamples > 0). */
  readonly study: boolean;
  /**
   * Whether the study also records the later reference's "Attack acceptation ratio" (spec 12.1): the share
   * of the rows the rule retains that are the attack's; NaN for rules without a selection.
   */
  readonly acceptation?: boolean;
  readonly rule: Rule;
  readonly ruleArgs: Args;
  readonly attack: Attack;
  readonly attackArgs: Args;
  readonly model: Model;
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly batchSizeTest: number;
  readonly batchSizeTestReps: number;
  readonly learningRate: number;
  /** Hyperbolic half-decay time T (0 = constant). */
  readonly learningRateDecay: number;
  readonly learningRateDecayDelta: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly momentumAt: MomentumAt;
  /** Gradients computed at the look-ahead point θ − μ·η·m (the later reference's Nesterov, spec 12.1). */
  readonly nesterov: boolean;
  /** Local SGD steps per worker and step; each worker submits the average of its L gradients (spec 3.4). */
  readonly localSteps: number;
  readonly weightDecay: number;
  readonly l1: number | null;
  readonly l2: number | null;
  readonly gradientClip: number | null;
  /** Evaluate every this many steps (≤ 0: never). */
  readonly evaluationDelta: number;
  /** k of the top-k criterion. */
  readonly topK: number;
  readonly compat: Compat;
  /** Variant of the rule and the attack (`--compat`): the reference's quirks or the corrected ones. */
  readonly behaviour: Behaviour;
  /** Steps between two metric readbacks from the GPU. */
  readonly readbackEvery: number;
}

/** Honest workers h = n − f_r. */
export function honestWorkers(c: TrainingConfig): number {
  return c.workers - c.realByzantine;
}

/** Gradients computed per step: K = max(h, nb_for_study) with the study on, else h. */
export function sampledGradients(c: TrainingConfig): number {
  return c.study ? Math.max(honestWorkers(c), c.studySamples) : honestWorkers(c);
}

/** Learning rate at step t (spec 3.7): η0 / (⌊t/Δ⌋·Δ/T + 1), or η0 when T = 0. */
export function learningRateAt(
  c: Pick<TrainingConfig, "learningRate" | "learningRateDecay" | "learningRateDecayDelta">,
  t: number,
): number {
  if (c.learningRateDecay <= 0) return c.learningRate;
  const delta = c.learningRateDecayDelta;
  return c.learningRate / ((Math.floor(t / delta) * delta) / c.learningRateDecay + 1);
}
