/**
 * Result directory checks and creation: everything that can fail is checked before anything is written,
 * and existing results are never overwritten.
 */
import { dirname, resolve } from "node:path";

/** Files of a result directory that hold results. */
const RESULT_FILES = ["eval", "study", "config", "config.json"];

/** A result directory that cannot be used; one-line message. */
export class ResultDirectoryError extends Error {}

/**
 * Checks that `path` can receive a run's results without writing anything there: it is a directory (or can
 * be created under a writable ancestor) and, unless the run resumes from a checkpoint, holds no results.
 * Returns the absolute path.
 */
export async function checkResultDirectory(path: string, resuming = false): Promise<string> {
  const absolute = resolve(path);
  let probe = absolute;
  for (;;) {
    const info = await statIfPresent(probe, absolute);
    if (info) {
      if (!info.isDirectory) {
        throw new ResultDirectoryError(
          `Result directory '${absolute}': '${probe}' exists and is not a directory`,
        );
      }
      break;
    }
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  if (probe === absolute && !resuming) {
    for (const name of RESULT_FILES) {
      if (await statIfPresent(`${absolute}/${name}`, absolute)) {
        throw new ResultDirectoryError(
          `Result directory '${absolute}' already holds results ('${name}'); choose another one (nothing is overwritten)`,
        );
      }
    }
  }
  if (!(await isWritable(probe))) {
    throw new ResultDirectoryError(
      `Result directory '${absolute}' cannot be written ('${probe}' is not writable)`,
    );
  }
  return absolute;
}

/** Creates the directory and its parents (mode 0755). */
export async function createResultDirectory(absolute: string): Promise<void> {
  try {
    await Deno.mkdir(absolute, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new ResultDirectoryError(
      `Unable to create result directory '${absolute}': ${(error as Error).message}`,
    );
  }
}

/** `Deno.stat`, or null when the path does not exist; any other failure is a `ResultDirectoryError`. */
async function statIfPresent(path: string, directory: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new ResultDirectoryError(
      `Result directory '${directory}' cannot be used: ${(error as Error).message}`,
    );
  }
}

/** Whether a file can be created in `directory` (probed with a temporary file removed at once). */
async function isWritable(directory: string): Promise<boolean> {
  try {
    const probe = await Deno.makeTempFile({ dir: directory, prefix: ".write-probe-" });
    await Deno.remove(probe);
    return true;
  } catch {
    return false;
  }
}
