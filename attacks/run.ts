/**
 * Runs an attack once on the GPU for honest vectors held on the host (library API and tests).
 */
import type { Gpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, writeBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import type { Args, Behaviour, Rule } from "../gar/rule.ts";
import type { Attack } from "./attack.ts";

/**
 * Returns the f_real Byzantine vectors the attack produces against `rule` (no validity check), both in the
 * variant `behaviour` (default `DEFAULT_BEHAVIOUR`).
 */
export async function attackOnGpu(
  gpu: Gpu,
  attack: Attack,
  honest: readonly Float32Array[],
  fReal: number,
  fDecl: number,
  rule: Rule,
  args: Args,
  behaviour?: Behaviour,
): Promise<Float32Array[]> {
  const h = honest.length, d = honest[0].length;
  const submitted = storageBuffer(gpu, (h + fReal) * d * 4, "attack-submitted");
  honest.forEach((row, i) => writeBuffer(gpu, submitted, i * d * 4, row));
  const rec = new Recorder(gpu);
  attack.bind(gpu, { h, fReal, fDecl, d, submitted, rule, args, behaviour }).record(rec);
  rec.submit();
  const all = await readFloats(gpu, submitted, fReal * d, h * d);
  submitted.destroy();
  return Array.from({ length: fReal }, (_, i) => all.slice(i * d, (i + 1) * d));
}
