/**
 * The shared implementation of the attacks that submit f_real identical vectors `base + x·dir` (spec 7.2
 * `little`, `empire`, `bulyan`, and 7.3 `empire-strict`), where `base` is the honest mean (or 0), `dir` a
 * direction computed from the honest vectors and `x` a fixed factor or the result of a line search
 * (spec 11) against the rule in use.
 *
 * On the GPU the whole attack, line search included, is recorded once per step with no host wait: column
 * statistics of the honest rows → direction → either one write of the rows, or `evals` rounds of
 * (write candidate rows into the Byzantine rows of the submitted matrix → rule → objective → controller)
 * followed by the write with the best factor (see `line_search_gpu.ts`).
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer, uploadBuffer } from "../gpu/buffers.ts";
import {
  type Args,
  type Behaviour,
  DEFAULT_BEHAVIOUR,
  dispatchStage,
  type Rule,
  type Stage,
} from "../gar/rule.ts";
import { perElement, perRowChunk } from "../ops/launch.ts";
import { elementChunk } from "../gpu/tuning.ts";
import { colstats } from "../ops/optim.ts";
import type { Attack, AttackBinding } from "./attack.ts";
import { argNumber, argRepr, checkCommon, pyFloatValue, pyInt } from "./checks.ts";
import { lineMaximize } from "./line_search.ts";
import { lineSearchStage, ruleObjective, SLOT, STATE_FLOATS } from "./line_search_gpu.ts";

/** Attack directions (the `MODE` of `attack_direction.wgsl`). */
export enum Direction {
  /** `little`: per-coordinate sample standard deviation of the honest vectors. */
  StdDev = 0,
  /** `empire`, `empire-strict`: minus the honest mean. */
  NegatedMean = 1,
  /** `bulyan`: unit vector on one coordinate. */
  Unit = 2,
  /** `bulyan target_idx:all`: all ones. */
  Ones = 3,
}

/** A factor line search (spec 7.2): x ≥ 0 is searched as `searchSign·x`, submitted as `finalSign·x`. */
export interface FactorSearch {
  readonly evals: number;
  readonly searchSign: 1 | -1;
  readonly finalSign: 1 | -1;
}

/** What an identical attack submits: f_real copies of `(withMean ? avg : 0) + x·dir`. */
export interface IdenticalPlan {
  readonly direction: Direction;
  /** Coordinate of the `Unit` direction (already in 0..d-1). */
  readonly target?: number;
  readonly withMean: boolean;
  /** The fixed factor x, or how to search it. */
  readonly factor: number | FactorSearch;
}

/**
 * Builds an attack from its check and its plan (the plan reads validated arguments; d is the dimension). A
 * line search evaluates the rule in the attack's behaviour.
 */
export function identicalAttack(
  name: string,
  check: (h: number, fReal: number, args: Args) => string | undefined,
  plan: (args: Args, d: number, behaviour: Behaviour) => IdenticalPlan,
): Attack {
  return {
    name,
    check: (h, fReal, _fDecl, args) => check(h, fReal, args),
    generate: (honest, fReal, fDecl, rule, args, behaviour = DEFAULT_BEHAVIOUR) =>
      fReal === 0
        ? []
        : generateIdentical(honest, fReal, fDecl, rule, behaviour, plan(args, honest[0].length, behaviour)),
    bind(gpu, b) {
      const behaviour = b.behaviour ?? DEFAULT_BEHAVIOUR;
      return b.fReal === 0
        ? dispatchStage([])
        : bindIdentical(gpu, b, behaviour, plan(b.args, b.d, behaviour));
    },
  };
}

/**
 * An attack of the `little`/`empire`/`bulyan` family (spec 7.2): args `factor` (default −16: a positive
 * number is a fixed factor, a negative int −k a line search of k evaluations), `negative` (default false:
 * use −factor), plus our optional `legacy_sign`. **QUIRK** (spec 7.2, 10.6): the reference searches over −x
 * when `negative` is set but submits `avg + x_best·dir`, dropping the sign. Behaviour `reference-v1`
 * reproduces that, `corrected` submits the searched sign, `avg − x_best·dir`; an explicit `legacy_sign`
 * overrides the behaviour (true: the quirk, false: the searched sign). `extraCheck` and `direction` see the
 * other (forwarded) arguments.
 */
export function familyAttack(
  name: string,
  direction: (args: Args, d: number) => Pick<IdenticalPlan, "direction" | "target">,
  extraCheck: (args: Args) => string | undefined = () => undefined,
): Attack {
  const check = (h: number, fReal: number, args: Args) =>
    checkCommon(h, fReal) ?? checkFactor(args.factor ?? -16) ??
      checkBoolean(args, "negative") ?? checkBoolean(args, "legacy_sign") ?? extraCheck(args);
  const plan = (args: Args, d: number, behaviour: Behaviour): IdenticalPlan => {
    const factor = argNumber(args.factor ?? -16);
    const sign = args.negative === true ? -1 : 1;
    const search = pyInt(args.factor ?? -16) !== undefined && factor < 0;
    const legacySign = args.legacy_sign ?? behaviour === "reference-v1";
    return {
      ...direction(args, d),
      withMean: true,
      factor: search
        ? { evals: Math.ceil(-factor), searchSign: sign, finalSign: legacySign ? 1 : sign }
        : sign * factor,
    };
  };
  return identicalAttack(name, check, plan);
}

/** `factor` must be a float > 0 or a non-zero int (spec 7.2). */
function checkFactor(factor: unknown): string | undefined {
  const float = pyFloatValue(factor), int = pyInt(factor);
  return (float !== undefined && float > 0) || (int !== undefined && int !== 0)
    ? undefined
    : `Expected a positive number or a negative integer for the attack factor, got ${argRepr(factor)}`;
}

/** An optional boolean argument. */
function checkBoolean(args: Args, key: string): string | undefined {
  const value = args[key];
  return value === undefined || typeof value === "boolean"
    ? undefined
    : `Expected a boolean for optional parameter '${key}', got ${argRepr(value)}`;
}

/** TypeScript reference: float32 arithmetic in the order of the reference's torch code. */
function generateIdentical(
  honest: readonly Float32Array[],
  fReal: number,
  fDecl: number,
  rule: Rule,
  behaviour: Behaviour,
  plan: IdenticalPlan,
): Float32Array[] {
  const { avg, dir } = honestStats(honest, plan);
  const vector = (x: number) => {
    const s = Math.fround(x);
    return avg.map((a, j) => {
      const step = Math.fround(s * dir[j]);
      return plan.withMean ? a + step : step;
    });
  };
  let x: number;
  if (typeof plan.factor === "number") {
    x = plan.factor;
  } else {
    const search = plan.factor;
    const objective = (t: number) => {
      const candidate = vector(search.searchSign * t);
      const rows = [...honest, ...Array.from({ length: fReal }, () => candidate)];
      const out = rule.aggregate(rows, fDecl, {}, behaviour);
      return out.reduce((acc, o, j) => acc + Math.fround(o - avg[j]) ** 2, 0);
    };
    x = search.finalSign * lineMaximize(objective, search.evals);
  }
  const byzantine = vector(x);
  return Array.from({ length: fReal }, () => byzantine.slice());
}

/** Honest mean and attack direction, rounded to float32. */
function honestStats(honest: readonly Float32Array[], plan: IdenticalPlan) {
  const h = honest.length, d = honest[0].length;
  const avg = new Float32Array(d), dir = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    let sum = 0;
    for (const row of honest) sum += row[j];
    const mean = sum / h;
    avg[j] = mean;
    if (plan.direction === Direction.StdDev) {
      let sq = 0;
      for (const row of honest) sq += (row[j] - mean) ** 2;
      dir[j] = Math.sqrt(sq / (h - 1)); // h = 1: 0/0 = NaN, as torch's unbiased variance
    } else if (plan.direction === Direction.NegatedMean) {
      dir[j] = -avg[j];
    } else {
      dir[j] = plan.direction === Direction.Ones || j === plan.target ? 1 : 0;
    }
  }
  return { avg, dir };
}

/** GPU version: writes rows h..h+f_real-1 of the submitted matrix. */
function bindIdentical(gpu: Gpu, b: AttackBinding, behaviour: Behaviour, plan: IdenticalPlan): Stage {
  const avg = storageBuffer(gpu, b.d * 4, "attack-avg");
  const sq = storageBuffer(gpu, b.d * 4, "attack-sq");
  const dir = storageBuffer(gpu, b.d * 4, "attack-dir");
  const prepare = [
    colstats(gpu, b.submitted, 0, b.h, b.d, avg, 0, sq, 0),
    perElement(
      gpu,
      "attack_direction.wgsl",
      new Params().u32(b.d).u32(b.h).u32(plan.target ?? 0),
      [avg, sq, dir],
      b.d,
      { MODE: plan.direction },
    ),
  ];
  const ch = elementChunk(gpu, b.d), chunks = Math.ceil(b.d / ch);
  const rows = (factor: GPUBuffer, slot: number, scale: number) =>
    perRowChunk(
      gpu,
      "attack_rows.wgsl",
      new Params().u32(b.fReal).u32(b.d).u32(b.h * b.d).u32(slot).f32(scale).u32(chunks),
      [avg, dir, factor, b.submitted],
      b.fReal,
      chunks,
      ch,
      { BASE: plan.withMean ? 1 : 0 },
    );
  if (typeof plan.factor === "number") {
    const factor = uploadBuffer(gpu, Float32Array.of(plan.factor), "attack-factor");
    return dispatchStage([...prepare, rows(factor, 0, 1)]);
  }
  const search = plan.factor;
  const state = storageBuffer(gpu, STATE_FLOATS * 4, "attack-search-state");
  const candidate = rows(state, SLOT.x, search.searchSign);
  const objective = ruleObjective(
    gpu,
    { rule: b.rule, behaviour, submitted: b.submitted, n: b.h + b.fReal, f: b.fDecl, d: b.d },
    avg,
    state,
  );
  const searchStage = lineSearchStage(gpu, state, search.evals, {
    record(rec) {
      rec.run(candidate);
      objective.record(rec);
    },
  });
  const final = rows(state, SLOT.bestX, search.finalSign);
  return {
    record(rec) {
      prepare.forEach((d) => rec.run(d));
      searchStage.record(rec);
      rec.run(final);
    },
  };
}
