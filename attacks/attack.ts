/**
 * The attack plug-in interface (spec 7.1): one file of `attacks/` per attack, collected by
 * `attacks/registry.ts`. An attack sees the h honest submitted vectors (after momentum: the adversary is
 * omniscient) and writes the f_real Byzantine rows that follow them in the submitted matrix.
 */
import type { Gpu } from "../gpu/device.ts";
import type { Args, Rule, Stage } from "../gar/rule.ts";

/** The GPU problem an attack is bound to: rows 0..h-1 of `submitted` are honest, it writes rows h..h+fReal-1. */
export interface AttackBinding {
  readonly h: number;
  readonly fReal: number;
  readonly fDecl: number;
  readonly d: number;
  readonly submitted: GPUBuffer;
  /** The rule the server uses (for attacks that search against it). */
  readonly rule: Rule;
  readonly args: Args;
}

/** An attack. */
export interface Attack {
  readonly name: string;
  /** One-line reason why the parameters are invalid, or undefined. */
  check(h: number, fReal: number, fDecl: number, args: Args): string | undefined;
  /** Plain TypeScript reference: the f_real Byzantine vectors. */
  generate(
    honest: readonly Float32Array[],
    fReal: number,
    fDecl: number,
    rule: Rule,
    args: Args,
  ): Float32Array[];
  /** Binds the GPU version; the stage is recorded once per step. */
  bind(gpu: Gpu, binding: AttackBinding): Stage;
}
