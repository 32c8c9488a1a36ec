/**
 * `deno task reproduce [options]`: runs the paper's experiment grid (spec 8) with `--compat reference-v1`,
 * prints the ratio analysis, draws every plot and writes an HTML report. `--help` lists the options.
 */
import { fullGrid, inShard, matches, type Run, SEEDS, withOverrides } from "./reproduce/grid.ts";
import { HELP, parseReproduceArgs, type ReproduceOptions, ReproduceUsageError } from "./reproduce/options.ts";
import { configMismatch, runDirectories, type RunStatus, runStatus } from "./reproduce/store.ts";
import { type Job, type Outcome, Runner } from "./reproduce/runner.ts";
import { Progress, stdoutOutput } from "./reproduce/progress.ts";
import { analyse, formatAnalysis } from "./reproduce/analysis.ts";
import { drawGridPlots } from "./reproduce/plots.ts";
import { summarize, writeReport } from "./reproduce/report.ts";

const warn = (message: string) => console.log(`[warning] ${message}`);

/** Throws if `path` exists and is not a directory; else creates it when missing if `create`. */
async function ensureDirectory(path: string, create: boolean): Promise<void> {
  const info = await Deno.stat(path).catch(() => null);
  if (info === null) {
    if (create) await Deno.mkdir(path, { recursive: true, mode: 0o755 });
  } else if (!info.isDirectory) {
    throw new ReproduceUsageError(`Given path '${path}' must point to a directory`);
  }
}

/** A planned run and what to do with it. */
interface Planned {
  readonly run: Run;
  readonly job: Job | null;
  readonly status: RunStatus;
}

/** The selected runs with their status; a done run of another configuration is an error. */
async function plan(options: ReproduceOptions): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const run of fullGrid().filter((r) => matches(r, options.filter) && inShard(r, options.shard))) {
    const params = withOverrides(run.experiment.params, options.overrides);
    const status = await runStatus(options.dataDirectory, run);
    if (status.kind === "done") {
      const mismatch = await configMismatch(runDirectories(options.dataDirectory, run).final, params);
      if (mismatch !== null) {
        throw new ReproduceUsageError(
          `'${run.id}' in '${options.dataDirectory}' does not match this grid (${mismatch}); ` +
            "use another --data-directory",
        );
      }
      planned.push({ run, job: null, status });
    } else planned.push({ run, job: { run, params, status, steps: Number(params["nb-steps"]) }, status });
  }
  return planned;
}

/** `--dry-run`: the runs to start or resume and those done, then the counts per dataset. */
function printPlan(planned: readonly Planned[], options: ReproduceOptions): void {
  const of = (kind: RunStatus["kind"]) => planned.filter((p) => p.status.kind === kind);
  console.log(`Data directory: ${options.dataDirectory}`);
  for (const kind of ["start", "resume", "done"] as const) {
    const title = { start: "To start", resume: "To resume", done: "Done" }[kind];
    console.log(`${title} (${of(kind).length}):`);
    for (const p of of(kind)) {
      console.log(`  ${p.run.id}${p.status.kind === "resume" ? ` (from step ${p.status.step})` : ""}`);
    }
  }
  const datasets = [...new Set(planned.map((p) => p.run.experiment.dataset))];
  const counts = (subset: readonly Planned[]) => {
    const n = (kind: string) => subset.filter((p) => p.status.kind === kind).length;
    const names = new Set(subset.map((p) => p.run.experiment.name)).size;
    return `${subset.length} runs (${names} experiments): ${n("done")} done, ${n("resume")} to resume, ` +
      `${n("start")} to start`;
  };
  for (const dataset of datasets) {
    console.log(`${dataset}: ${counts(planned.filter((p) => p.run.experiment.dataset === dataset))}`);
  }
  console.log(`Total: ${counts(planned)}`);
}

/** Runs the jobs with a progress display; SIGINT/SIGTERM stop them cleanly. */
async function runJobs(
  jobs: readonly Job[],
  total: number,
  options: ReproduceOptions,
): Promise<{ outcomes: Outcome[]; stopped: boolean }> {
  console.log(
    `Running ${jobs.length} of ${total} runs, ${options.jobs} at a time, into '${options.dataDirectory}'...`,
  );
  const progress = new Progress(stdoutOutput(), total, total - jobs.length, jobs, options.jobs);
  const runner = new Runner(options, progress);
  const stop = () => runner.stop();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    const outcomes = [...(await runner.runAll(jobs)).values()];
    return { outcomes, stopped: runner.stopping };
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    progress.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parseReproduceArgs(argv);
  if (options === null) {
    console.log(HELP);
    return 0;
  }
  await ensureDirectory(options.dataDirectory, !options.dryRun);
  const planned = await plan(options);
  if (options.dryRun) {
    printPlan(planned, options);
    return 0;
  }
  let failed = 0;
  const jobs = planned.flatMap((p) => p.job === null ? [] : [p.job]);
  if (options.run && jobs.length > 0) {
    const { outcomes, stopped } = await runJobs(jobs, planned.length, options);
    failed = outcomes.filter((o) => o.kind === "failed").length;
    if (stopped) {
      const interrupted = outcomes.filter((o) => o.kind === "interrupted").length;
      console.log(`Stopped: ${interrupted} runs interrupted (they resume next time), ${failed} failed.`);
      return 130;
    }
    if (failed > 0) console.log(`${failed} runs failed: they are redone next time.`);
    if (outcomes.length < jobs.length) {
      console.log(
        `${jobs.length - outcomes.length} runs not started: an experiment stopped on an input error.`,
      );
      failed += jobs.length - outcomes.length;
    }
  }
  console.log("Analyzing results...");
  const analysis = await analyse(options.dataDirectory, warn);
  console.log(formatAnalysis(analysis));
  if (options.plot) {
    console.log("Plotting results...");
    await ensureDirectory(options.plotDirectory, true);
    const steps = new Map(
      planned.map((
        p,
      ) => [
        p.run.experiment.dataset,
        Number(withOverrides(p.run.experiment.params, options.overrides)["nb-steps"]),
      ]),
    );
    const { plots, curves } = await drawGridPlots({
      dataDirectory: options.dataDirectory,
      plotDirectory: options.plotDirectory,
      filter: options.filter,
      seeds: options.filter.seeds ?? SEEDS,
      steps,
      warn,
    });
    const report = await writeReport(options.plotDirectory, plots, summarize(curves, analysis), analysis);
    console.log(`Wrote ${plots.length} plots and ${report}.`);
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    if (error instanceof ReproduceUsageError) console.log(`[fatal] ${error.message}`);
    else console.error("[uncaught]", error);
    Deno.exitCode = 1;
  }
}
