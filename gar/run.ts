/**
 * Runs a rule once on the GPU for rows held on the host (library API and tests): upload, aggregate, read.
 */
import type { Gpu } from "../gpu/device.ts";
import { readFloats, storageBuffer, writeBuffer } from "../gpu/buffers.ts";
import { Recorder } from "../gpu/kernel.ts";
import type { Args, Behaviour, Rule } from "./rule.ts";

/** Uploads `rows` (n vectors of length d) as one n×d matrix. */
export function uploadRows(gpu: Gpu, rows: readonly Float32Array[], label: string): GPUBuffer {
  const d = rows[0]?.length ?? 0;
  const matrix = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    if (row.length !== d) throw new Error(`row ${i} has ${row.length} coordinates, expected ${d}`);
    matrix.set(row, i * d);
  });
  const buffer = storageBuffer(gpu, matrix.byteLength, label);
  writeBuffer(gpu, buffer, 0, matrix);
  return buffer;
}

/**
 * Aggregates `rows` with `rule` on the GPU (no validity check: call `rule.check` first); `behaviour`
 * defaults to the rule's default (`DEFAULT_BEHAVIOUR`).
 */
export async function aggregateOnGpu(
  gpu: Gpu,
  rule: Rule,
  rows: readonly Float32Array[],
  f: number,
  args: Args,
  behaviour?: Behaviour,
): Promise<Float32Array> {
  const n = rows.length, d = rows[0].length;
  const input = uploadRows(gpu, rows, "gar-input");
  const output = storageBuffer(gpu, d * 4, "gar-output");
  const rec = new Recorder(gpu);
  rule.bind(gpu, { n, f, d, input, output, args, behaviour }).record(rec);
  rec.submit();
  const result = await readFloats(gpu, output, d);
  input.destroy();
  output.destroy();
  return result;
}
