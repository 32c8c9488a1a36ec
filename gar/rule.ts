/**
 * The aggregation-rule plug-in interface (spec 6.1): a rule is one file of `gar/` exporting a `Rule`, and
 * `gar/registry.ts` collects them. A rule validates (n, f, args), gives its variance-norm bound when the
 * theory has one, aggregates rows in plain TypeScript (the reference, also used by the library API) and
 * binds its GPU version on the n × d matrix that already lives on the GPU.
 */
import type { Gpu } from "../gpu/device.ts";
import type { Dispatch, Recorder } from "../gpu/kernel.ts";

/**
 * Which variant of the rules (and attacks) runs: `reference-v1` reproduces the reference tool's quirks
 * (spec 10.4, 10.6), `corrected` does what the papers define. Rules without a quirk ignore it.
 */
export type Behaviour = "reference-v1" | "corrected";

/** The behaviour used when none is given (the `--compat` default). */
export const DEFAULT_BEHAVIOUR: Behaviour = "corrected";

/** Typed `key:value` arguments of a rule or an attack (spec 1.2). */
export type Args = Readonly<Record<string, unknown>>;

/** Something that records its GPU work into a step's command buffer. */
export interface Stage {
  record(rec: Recorder): void;
}

/** The GPU problem a rule is bound to: rows 0..n-1 of `input` (row i at i·d), result into `output` (d floats). */
export interface GarBinding {
  readonly n: number;
  readonly f: number;
  readonly d: number;
  readonly input: GPUBuffer;
  readonly output: GPUBuffer;
  readonly args: Args;
  /** Variant to bind (default `DEFAULT_BEHAVIOUR`). */
  readonly behaviour?: Behaviour;
  /** Where a rule with a `selection` writes how many of the rows it retains are the attack's. */
  readonly influence?: InfluenceTarget;
}

/** Destination of a rule's count of retained attack rows (see `Rule.selection`). */
export interface InfluenceTarget {
  readonly buffer: GPUBuffer;
  /** Float offset of the count (an integer stored as f32; NaN when the rule retained no valid subset). */
  readonly offset: number;
  /** Input rows [honest, n) are the attack's. */
  readonly honest: number;
}

/** An aggregation rule. */
export interface Rule {
  readonly name: string;
  /** One-line reason why (n, f, args) is invalid for that variant, or undefined when valid. */
  check(n: number, f: number, args: Args, behaviour?: Behaviour): string | undefined;
  /** Maximum ratio std-dev/norm of honest gradients for which the rule is proven to work (spec 6.1). */
  upperBound?(n: number, f: number, d: number): number;
  /** Plain TypeScript aggregation (the reference of the GPU kernels). */
  aggregate(rows: readonly Float32Array[], f: number, args: Args, behaviour?: Behaviour): Float32Array;
  /** Binds the GPU aggregation; the returned stage is recorded once per step. */
  bind(gpu: Gpu, binding: GarBinding): Stage;
  /**
   * For rules that output the mean of some of their input rows: which ones. The v2 reference's
   * `influence` (spec 12.1, the study's "Attack acceptation ratio") is the fraction of them that are the
   * attack's; bound with `GarBinding.influence`, such a rule writes their count on the GPU.
   */
  readonly selection?: Selection;
}

/** The rows a rule averages (see `Rule.selection`). */
export interface Selection {
  /** How many rows it retains. */
  retained(n: number, f: number, args: Args, behaviour?: Behaviour): number;
  /** TypeScript reference: their indices. */
  select(rows: readonly Float32Array[], f: number, args: Args, behaviour?: Behaviour): number[];
}

/** Stage made of a fixed list of dispatches. */
export function dispatchStage(dispatches: readonly Dispatch[]): Stage {
  return { record: (rec) => dispatches.forEach((d) => rec.run(d)) };
}
