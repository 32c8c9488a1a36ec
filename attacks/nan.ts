/**
 * `nan` (spec 7.4): every Byzantine worker sends a vector of NaN. The reference's default attack, harmless
 * while `--nb-real-byz` is 0.
 */
import { Params } from "../gpu/buffers.ts";
import { perElement } from "../ops/launch.ts";
import { dispatchStage } from "../gar/rule.ts";
import type { Attack } from "./attack.ts";
import { checkCommon } from "./checks.ts";

const NAN_BITS = 0x7fc00000;

/** The NaN attack. */
export const nan: Attack = {
  name: "nan",
  check: (h, fReal) => checkCommon(h, fReal),
  generate: (honest, fReal) =>
    Array.from({ length: fReal }, () => new Float32Array(honest[0].length).fill(NaN)),
  bind(gpu, b) {
    if (b.fReal === 0) return dispatchStage([]);
    const len = b.fReal * b.d;
    return dispatchStage([
      perElement(gpu, "fill.wgsl", new Params().u32(len).u32(b.h * b.d).u32(NAN_BITS), [b.submitted], len),
    ]);
  },
};
