/**
 * Preparing a result table for a resumed run: rows at or after the checkpoint's step are dropped (they will
 * be computed again), after a backup copy of the file is written so that nothing is lost.
 */
import { writeFileAtomic } from "./atomic.ts";

/**
 * Keeps only the records of `path` whose step (first field) satisfies `keep`. When records are dropped,
 * the original file is first copied to `<path>.before-resume-<label>`. Returns how many were dropped.
 */
export async function trimTable(
  path: string,
  keep: (step: number) => boolean,
  label: string,
): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  const [header, ...records] = text.split("\n");
  const kept = records.filter((record) => keep(Number(record.split("\t", 1)[0])));
  if (kept.length === records.length) return 0;
  await writeFileAtomic(`${path}.before-resume-${label}`, text);
  await writeFileAtomic(path, [header, ...kept].join("\n"));
  return records.length - kept.length;
}
