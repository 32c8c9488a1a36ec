/**
 * The attack plug-in interface (spec 7.1): one file of `attacks/` per attack, collected by
 * `attacks/registry.ts`. An attack sees the h honest submitted vectors (after momentum: the adversary is
 * omniscient) and writes the f_real Byzantine rows that follow them in the submitted matrix. The behaviour
 * (gar/rule.ts `Behaviour`) selects the reference's quirks or the corrected variant, of the attack and of the
 * rule its line search evaluates.
 */
import type { Gpu } from "../gpu/device.ts";
import type { Args, Behaviour, Rule, Stage } from "../gar/rule.ts";

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
  /** Variant of the attack and of the rule it searches against (default `DEFAULT_BEHAVIOUR`). */
  readonly behaviour?: Behaviour;
}

/** An attack. */
export interface Attack {
  readonly name: string;
  /** One-line reason why the parameters are invalid for that variant, or undefined. */
  check(h: number, fReal: number, fDecl: number, args: Args, behaviour?: Behaviour): string | undefined;
  /** Plain TypeScript reference: the f_real Byzantine vectors (the rule, when searched, in the same variant). */
  generate(
    honest: readonly Float32Array[],
    fReal: number,
    fDecl: number,
    rule: Rule,
    args: Args,
    behaviour?: Behaviour,
  ): Float32Array[];
  /** Binds the GPU version; the stage is recorded once per step. */
  bind(gpu: Gpu, binding: AttackBinding): Stage;
}
