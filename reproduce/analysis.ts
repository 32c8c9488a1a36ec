/**
 * The ratio analysis printed by the reference's `reproduce.py` (spec 8.1): for every done run whose rule has
 * a variance-norm bound, the steps where the honest ratio is below the bound (the loss not above its initial
 * value), the runs where it never is, and the best run. Reads the given data directory (QUIRK 12 fixed: the
 * reference always read `results-data`).
 */
import { join } from "node:path";
import { loadSession, type Warn } from "../study/session.ts";
import { computeRatio, DERIVED, hasKnownRatio } from "../study/derived.ts";
import { PENDING } from "./store.ts";

/** One run's count of steps with the ratio validated. */
export interface RunAnalysis {
  readonly name: string;
  readonly valid: number;
  /** Rows of the run's data minus one (the last row holds only the final accuracy). */
  readonly total: number;
  readonly percent: number;
}

/** The analysis of a data directory. */
export interface Analysis {
  /** Runs whose rule has a bound, by name. */
  readonly runs: readonly RunAnalysis[];
  /** How many of them never validate the ratio. */
  readonly never: number;
  /** The run with the highest percentage of validated steps (first one on ties), or null. */
  readonly best: RunAnalysis | null;
}

/** Names of the done runs of `dataDirectory` (directories, without `.pending` ones), sorted. */
export async function doneRunNames(dataDirectory: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dataDirectory)) {
    if (entry.isDirectory && !entry.name.endsWith(PENDING)) names.push(entry.name);
  }
  return names.sort();
}

/** Analyses one run; null when its rule has no bound. */
export async function analyseRun(path: string, warn: Warn): Promise<RunAnalysis | null> {
  const session = await loadSession(path, warn);
  if (!hasKnownRatio(session, warn)) return null;
  const data = computeRatio(session, warn).data;
  const loss = data.columns.get("Average loss");
  const enough = data.columns.get(DERIVED.ratioEnough)!;
  if (loss === undefined || data.steps.length === 0) {
    throw new Error(`Run '${session.name}' has no study data`);
  }
  const minLoss = loss[0];
  let valid = 0;
  for (let row = 0; row < data.steps.length; row++) if (loss[row] <= minLoss && enough[row] === 1) valid++;
  const total = data.steps.length - 1;
  return { name: session.name, valid, total, percent: (valid / total) * 100 };
}

/** Analyses every done run of `dataDirectory`. */
export async function analyse(dataDirectory: string, warn: Warn): Promise<Analysis> {
  const runs: RunAnalysis[] = [];
  for (const name of await doneRunNames(dataDirectory)) {
    const run = await analyseRun(join(dataDirectory, name), warn);
    if (run !== null) runs.push(run);
  }
  let best: RunAnalysis | null = null;
  for (const run of runs) if (run.valid > 0 && (best === null || run.percent > best.percent)) best = run;
  return { runs, never: runs.filter((run) => run.valid === 0).length, best };
}

/** `%4d`. */
const d4 = (x: number) => String(x).padStart(4);

/** The analysis as the reference prints it. */
export function formatAnalysis(analysis: Analysis): string {
  const lines = analysis.runs.map((run) =>
    `· ${run.name.padStart(47)}: ${d4(run.valid)}/${d4(run.total)} (${run.percent.toFixed(2)}%)`
  );
  const count = analysis.runs.length;
  const share = count === 0 ? "n/a" : `${((analysis.never / count) * 100).toFixed(2)}%`;
  lines.push(`#experiments with ratio never validated: ${d4(analysis.never)}/${d4(count)} (${share})`);
  const best = analysis.best;
  lines.push(
    `Maximum #steps with ratio validated:     ${
      best === null ? "<no data>" : `${d4(best.valid)}/${d4(best.total)} (${best.percent.toFixed(2)}%)`
    }`,
  );
  return lines.join("\n");
}
