/**
 * Checkpoint files: everything a run needs to continue exactly (unlike the reference's, spec 2.6, which
 * lost the data-loader and RNG state and the past-gradient deque): step and datapoint counters, every
 * RNG and data-stream state, and the GPU buffers (parameters, origin, momentum buffers, past gradients, and
 * in training mode the BatchNorm running statistics).
 *
 * Format: the ASCII line `byzmom-checkpoint 1\n`, a little-endian u32 header length, the JSON header, then
 * each buffer's float32 data in header order. Written atomically.
 */
import { writeFileAtomic } from "../results/atomic.ts";
import type { FeedState } from "./feed.ts";

const MAGIC = "byzmom-checkpoint 1\n";

/** What a checkpoint holds. */
export interface CheckpointState {
  readonly step: number;
  readonly datapoints: number;
  /** Past-gradient ring: next slot and number of filled slots. */
  readonly ring: { readonly pos: number; readonly count: number };
  readonly trainFeed: FeedState;
  readonly testFeed: FeedState | null;
  /** Settings the run must share with the one that saved the checkpoint. */
  readonly fingerprint: Readonly<Record<string, string | number | boolean>>;
  readonly buffers: Readonly<Record<string, Float32Array>>;
}

/** A checkpoint file that cannot be used; one-line message. */
export class CheckpointError extends Error {}

/** Writes `state` to `path` atomically. */
export async function saveCheckpoint(path: string, state: CheckpointState): Promise<void> {
  const names = Object.keys(state.buffers);
  const header = new TextEncoder().encode(JSON.stringify({
    ...state,
    buffers: names.map((name) => ({ name, length: state.buffers[name].length })),
  }));
  const magic = new TextEncoder().encode(MAGIC);
  const total = magic.length + 4 + header.length + names.reduce((s, n) => s + state.buffers[n].byteLength, 0);
  const bytes = new Uint8Array(total);
  bytes.set(magic, 0);
  new DataView(bytes.buffer).setUint32(magic.length, header.length, true);
  bytes.set(header, magic.length + 4);
  let at = magic.length + 4 + header.length;
  for (const name of names) {
    const data = state.buffers[name];
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  await writeFileAtomic(path, bytes);
}

/** Reads and validates a checkpoint file. */
export async function loadCheckpoint(path: string): Promise<CheckpointState> {
  const fail = (why: string): never => {
    throw new CheckpointError(`Unable to load checkpoint '${path}': ${why}`);
  };
  const bytes = await Deno.readFile(path).catch((e: Error) => fail(e.message));
  const magic = new TextEncoder().encode(MAGIC);
  if (
    bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC
  ) {
    fail("not a byzmom checkpoint (version 1)");
  }
  const headerLength = new DataView(bytes.buffer).getUint32(magic.length, true);
  let at = magic.length + 4 + headerLength;
  if (at > bytes.length) fail("truncated header");
  let header: Omit<CheckpointState, "buffers"> & { buffers: { name: string; length: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, at)));
  } catch {
    return fail("corrupted header");
  }
  const natural = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!natural(header.step) || !natural(header.datapoints)) fail("invalid step or datapoint count");
  const buffers: Record<string, Float32Array> = {};
  for (const { name, length } of header.buffers) {
    if (!natural(length) || at + length * 4 > bytes.length) fail(`truncated data of '${name}'`);
    buffers[name] = new Float32Array(bytes.slice(at, at + length * 4).buffer);
    at += length * 4;
  }
  if (at !== bytes.length) fail("trailing data");
  return { ...header, buffers };
}

/** Throws when `expected` and the checkpoint's fingerprint disagree, naming every difference. */
export function checkFingerprint(
  path: string,
  saved: CheckpointState,
  expected: CheckpointState["fingerprint"],
): void {
  const differences = Object.keys({ ...expected, ...saved.fingerprint })
    .filter((key) => saved.fingerprint[key] !== expected[key])
    .map((key) => `${key} is ${saved.fingerprint[key]} there, ${expected[key]} here`);
  if (differences.length > 0) {
    throw new CheckpointError(
      `Unable to load checkpoint '${path}': incompatible run (${differences.join("; ")})`,
    );
  }
}
