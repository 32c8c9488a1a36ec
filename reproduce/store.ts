/**
 * The data directory of the grid: run `<name>-<seed>` is done exactly when directory `<name>-<seed>` exists.
 * A run is written into `<name>-<seed>.pending` and renamed once it completed, so a failed or interrupted run
 * is never mistaken for a done one; it is redone on the next call, from its last checkpoint when it has one.
 */
import { join, resolve } from "node:path";
import type { Params, Run } from "./grid.ts";

/** Suffix of the directory of a run that has not completed. */
export const PENDING = ".pending";

/** What the next call does with a run. */
export type RunStatus =
  | { readonly kind: "done" }
  | { readonly kind: "start" }
  | { readonly kind: "resume"; readonly checkpoint: string; readonly step: number };

/** Absolute directories of a run: the final one and the one it is written into. */
export function runDirectories(dataDirectory: string, run: Run): { final: string; pending: string } {
  const final = resolve(join(dataDirectory, run.id));
  return { final, pending: final + PENDING };
}

/** Whether `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The checkpoint of the highest step in `directory`, or null. */
export async function latestCheckpoint(directory: string): Promise<{ path: string; step: number } | null> {
  let latest: { path: string; step: number } | null = null;
  try {
    for await (const entry of Deno.readDir(directory)) {
      const match = /^checkpoint-(\d+)$/.exec(entry.name);
      if (entry.isFile && match && (latest === null || Number(match[1]) > latest.step)) {
        latest = { path: join(directory, entry.name), step: Number(match[1]) };
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return latest;
}

/** Status of `run` in `dataDirectory`. */
export async function runStatus(dataDirectory: string, run: Run): Promise<RunStatus> {
  const { final, pending } = runDirectories(dataDirectory, run);
  if (await exists(final)) return { kind: "done" };
  const checkpoint = await exists(join(pending, "config.json")) ? await latestCheckpoint(pending) : null;
  return checkpoint === null
    ? { kind: "start" }
    : { kind: "resume", checkpoint: checkpoint.path, step: checkpoint.step };
}

/**
 * Why the done run in `directory` does not match `params` (first differing option of its `config.json`),
 * or null when it matches: a data directory must not mix, say, the quick profile with the full grid.
 */
export async function configMismatch(directory: string, params: Params): Promise<string | null> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await Deno.readTextFile(join(directory, "config.json")));
  } catch (error) {
    return `no readable config.json (${(error as Error).message})`;
  }
  for (const [key, value] of Object.entries(params)) {
    const name = key.replaceAll("-", "_");
    if (typeof value !== "string" || !(name in json)) continue;
    const found = json[name];
    const same = typeof found === "number" ? Number(value) === found : String(found) === value;
    if (!same) return `${name} is ${JSON.stringify(found)}, the grid asks ${value}`;
  }
  return null;
}

/** Prepares a run's `.pending` directory for a fresh start: removes what a previous attempt left. */
export async function resetPending(pending: string): Promise<void> {
  await Deno.remove(pending, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(pending, { recursive: true, mode: 0o755 });
}

/**
 * Marks a completed run done: deletes its checkpoints (resume points only, up to hundreds of MB each), points
 * `result_directory` of its `config.json` at the final directory, then renames `.pending` to the final name
 * (atomic on one file system).
 */
export async function markDone(pending: string, final: string): Promise<void> {
  for await (const entry of Deno.readDir(pending)) {
    if (entry.isFile && /^checkpoint-\d+$/.test(entry.name)) await Deno.remove(join(pending, entry.name));
  }
  const path = join(pending, "config.json");
  const text = await Deno.readTextFile(path);
  const old = `"result_directory": ${JSON.stringify(pending)}`;
  if (text.includes(old)) {
    const temporary = `${path}.tmp`;
    await Deno.writeTextFile(temporary, text.replace(old, `"result_directory": ${JSON.stringify(final)}`));
    await Deno.rename(temporary, path);
  }
  await Deno.rename(pending, final);
}
