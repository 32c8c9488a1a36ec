/**
 * `average` (spec 6.2): the arithmetic mean of the n vectors. No bound. NaN inputs propagate.
 */
import { Params } from "../gpu/buffers.ts";
import { perElement } from "../ops/launch.ts";
import { dispatchStage, type Rule } from "./rule.ts";

/** The plain average. */
export const average: Rule = {
  name: "average",
  check: (n) => n >= 1 ? undefined : `Expected a list of at least one gradient to aggregate, got ${n}`,
  aggregate(rows) {
    const d = rows[0].length;
    const out = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (const row of rows) sum = Math.fround(sum + row[j]);
      out[j] = sum / rows.length;
    }
    return out;
  },
  bind(gpu, b) {
    const params = new Params().u32(b.n).u32(b.d);
    const mean = perElement(gpu, "average.wgsl", params, [b.input, b.output], b.d);
    if (!b.influence) return dispatchStage([mean]);
    // Every row is retained: the attack's count is n − honest.
    const bits = new Uint32Array(Float32Array.of(b.n - b.influence.honest).buffer)[0];
    const count = new Params().u32(1).u32(b.influence.offset).u32(bits);
    return dispatchStage([mean, perElement(gpu, "fill.wgsl", count, [b.influence.buffer], 1)]);
  },
  selection: {
    retained: (n) => n,
    select: (rows) => rows.map((_, i) => i),
  },
};
