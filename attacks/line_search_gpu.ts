/**
 * The attacks' factor line search (spec 7.2, 7.3, 11) on the GPU, with no host round trip: the sequential
 * control flow of `line_maximize` runs in a one-invocation controller kernel (`attack_line_search.wgsl`)
 * whose state stays in a small storage buffer. A search records `evals` rounds of
 * (evaluate f at state[X] into state[Y]) → (controller update), after a controller reset; the caller then
 * reads the best point from state[BEST_X] in a later dispatch.
 */
import type { Gpu } from "../gpu/device.ts";
import { Params, storageBuffer } from "../gpu/buffers.ts";
import { bind, type Dispatch } from "../gpu/kernel.ts";
import type { Behaviour, Rule, Stage } from "../gar/rule.ts";
import { axpby } from "../ops/optim.ts";
import { Reduce, reduceRows } from "../ops/reduce.ts";
import { LINE_SEARCH_DEFAULTS, type LineSearchSettings } from "./line_search.ts";

/** Slots of the search state buffer (f32 each), as laid out by `attack_line_search.wgsl`. */
export const SLOT = { x: 0, y: 1, bestX: 2, bestY: 3, delta: 4, phase: 5 } as const;

/** Size of the search state buffer, in floats. */
export const STATE_FLOATS = 8;

/** The controller's two dispatches on `state`: `init` starts a search, `update` consumes state[Y]. */
export interface Controller {
  readonly init: Dispatch;
  readonly update: Dispatch;
}

/** Binds the controller kernels on `state` (at least `STATE_FLOATS` floats). */
export function lineSearchController(
  gpu: Gpu,
  state: GPUBuffer,
  settings: LineSearchSettings = LINE_SEARCH_DEFAULTS,
): Controller {
  const params = new Params().f32(settings.start).f32(settings.delta).f32(settings.ratio)
    .create(gpu, "attack_line_search.wgsl");
  const kernel = (entry: string) =>
    bind(gpu, { shader: "attack_line_search.wgsl", entry }, [params, state], [1]);
  return { init: kernel("init"), update: kernel("main") };
}

/**
 * A complete search of `evals` evaluations: `evaluate` must write f(state[X]) into state[Y]. After the
 * stage, state[BEST_X] holds the maximiser.
 */
export function lineSearchStage(gpu: Gpu, state: GPUBuffer, evals: number, evaluate: Stage): Stage {
  const controller = lineSearchController(gpu, state);
  return {
    record(rec) {
      rec.run(controller.init);
      for (let i = 0; i < Math.max(evals, 1); i++) {
        evaluate.record(rec);
        rec.run(controller.update);
      }
    },
  };
}

/** The rule the search runs against, on the full submitted matrix (honest rows, then candidate rows). */
export interface SearchTarget {
  readonly rule: Rule;
  /** Variant of the rule (the attack's). */
  readonly behaviour: Behaviour;
  readonly submitted: GPUBuffer;
  /** Rows of `submitted` the rule aggregates (h + f_real). */
  readonly n: number;
  /** f given to the rule (f_decl). */
  readonly f: number;
  readonly d: number;
}

/**
 * Stage writing the attacks' objective ‖rule(submitted) − avg‖² into state[Y] (spec 7.2). The rule runs with
 * its default arguments, as the reference's search calls it without `--gar-args`.
 */
export function ruleObjective(gpu: Gpu, t: SearchTarget, avg: GPUBuffer, state: GPUBuffer): Stage {
  const output = storageBuffer(gpu, t.d * 4, "attack-search-aggregate");
  const diff = storageBuffer(gpu, t.d * 4, "attack-search-diff");
  const aggregate = t.rule.bind(gpu, {
    n: t.n,
    f: t.f,
    d: t.d,
    input: t.submitted,
    output,
    args: {},
    behaviour: t.behaviour,
  });
  const tail = [
    axpby(gpu, t.d, 1, output, 0, -1, avg, 0, diff, 0),
    ...reduceRows(gpu, diff, { rows: 1, len: t.d, stride: t.d }, Reduce.SumSquares, state, SLOT.y),
  ];
  return {
    record(rec) {
      aggregate.record(rec);
      tail.forEach((d) => rec.run(d));
    },
  };
}
