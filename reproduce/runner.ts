/**
 * Runs grid runs as concurrent `experiment.ts` subprocesses (the reference's job threads, spec 8), each into
 * its `.pending` directory with its stdout and stderr saved as `stdout.log` / `stderr.log`, then renamed when
 * it completed. `stop()` (SIGINT/SIGTERM) starts nothing more and forwards SIGINT to the running experiments,
 * which finish their step and write a checkpoint; a second `stop()` kills them.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Params, Run } from "./grid.ts";
import { markDone, resetPending, runDirectories, type RunStatus } from "./store.ts";

/** One run to do. */
export interface Job {
  readonly run: Run;
  /** Experiment parameters (grid + overrides), without seed and result directory. */
  readonly params: Params;
  readonly status: Exclude<RunStatus, { kind: "done" }>;
  /** Steps of the complete run (`nb-steps`). */
  readonly steps: number;
}

/** How a job ended. */
export type Outcome =
  | { readonly kind: "done"; readonly seconds: number }
  | { readonly kind: "interrupted"; readonly seconds: number }
  | { readonly kind: "failed"; readonly seconds: number; readonly reason: string };

/** What the runner reports while it works. */
export interface RunnerEvents {
  /** A job started at step `from` (0, or the step of the checkpoint it resumes). */
  started(job: Job, from: number): void;
  /** A job reported reaching `step`. */
  stepped(job: Job, step: number): void;
  finished(job: Job, outcome: Outcome): void;
}

/** Runner settings. */
export interface RunnerOptions {
  readonly dataDirectory: string;
  /** Concurrent experiments. */
  readonly jobs: number;
  /** `--checkpoint-delta` of the experiments (0: none). */
  readonly checkpointDelta: number;
  /** `--data-directory` of the experiments (dataset files), or null. */
  readonly datasetDirectory: string | null;
}

/** The experiment command, relative to this file. */
const EXPERIMENT = fileURLToPath(new URL("../experiment.ts", import.meta.url));
/** Permissions of `deno task experiment`; `deno` is looked up in PATH (so `--allow-run=deno` suffices). */
const EXPERIMENT_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env"];

/** The experiment's arguments for `job`, written into `directory`. */
export function experimentArgs(job: Job, directory: string, options: RunnerOptions): string[] {
  const args: string[] = [];
  const from = job.status.kind === "resume" ? job.status.step : 0;
  for (const [key, value] of Object.entries(job.params)) {
    const values = typeof value === "string" ? [value] : value;
    args.push(`--${key}`, ...(key === "nb-steps" ? [String(job.steps - from)] : values));
  }
  args.push("--seed", String(job.run.seed), "--result-directory", directory, "--compat", "reference-v1");
  if (options.checkpointDelta > 0) args.push("--checkpoint-delta", String(options.checkpointDelta));
  if (options.datasetDirectory !== null) args.push("--data-directory", resolve(options.datasetDirectory));
  if (job.status.kind === "resume") args.push("--load-checkpoint", job.status.checkpoint);
  return args;
}

/** Runs jobs, `options.jobs` at a time, in order. */
export class Runner {
  readonly #options: RunnerOptions;
  readonly #events: RunnerEvents;
  readonly #children = new Set<Deno.ChildProcess>();
  #stops = 0;

  /** A runner reporting to `events`. */
  constructor(options: RunnerOptions, events: RunnerEvents) {
    this.#options = options;
    this.#events = events;
  }

  /** Whether `stop()` was called. */
  get stopping(): boolean {
    return this.#stops > 0;
  }

  /** First call: start nothing more and interrupt the running experiments cleanly; later calls: kill them. */
  stop(): void {
    this.#stops++;
    for (const child of this.#children) {
      try {
        child.kill(this.#stops === 1 ? "SIGINT" : "SIGKILL");
      } catch {
        // Already exited.
      }
    }
  }

  /**
   * Runs the jobs until stopped, or until one fails with a `[fatal]` line (an input error the next runs would
   * repeat, e.g. missing dataset files); resolves with the outcomes of the started ones once they all exited.
   */
  async runAll(jobs: readonly Job[]): Promise<Map<Job, Outcome>> {
    const outcomes = new Map<Job, Outcome>();
    let next = 0, halted = false;
    const lane = async () => {
      while (!this.stopping && !halted && next < jobs.length) {
        const job = jobs[next++];
        const outcome = await this.#runOne(job);
        outcomes.set(job, outcome);
        this.#events.finished(job, outcome);
        if (outcome.kind === "failed" && outcome.reason.startsWith("[fatal]")) halted = true;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#options.jobs) }, lane));
    return outcomes;
  }

  /** Runs one job to its end. */
  async #runOne(job: Job): Promise<Outcome> {
    const { final, pending } = runDirectories(this.#options.dataDirectory, job.run);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (job.status.kind === "start") await resetPending(pending);
    this.#events.started(job, job.status.kind === "resume" ? job.status.step : 0);
    const child = new Deno.Command("deno", {
      args: ["run", ...EXPERIMENT_PERMISSIONS, EXPERIMENT, ...experimentArgs(job, pending, this.#options)],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#children.add(child);
    if (this.stopping) child.kill("SIGINT"); // stopped while this job was being set up
    let completed = false, fatal = "";
    const watch = (line: string) => {
      const step = /\(step (\d+)\)|(?:Done|Interrupted) at step (\d+)/.exec(line);
      if (step) this.#events.stepped(job, Number(step[1] ?? step[2]));
      if (line.includes(`Done at step ${job.steps}:`)) completed = true;
      if (line.startsWith("[fatal]")) fatal = line;
    };
    const [status] = await Promise.all([
      child.status,
      saveStream(child.stdout, `${pending}/stdout.log`, watch),
      saveStream(child.stderr, `${pending}/stderr.log`, () => {}),
    ]);
    this.#children.delete(child);
    if (status.success && completed) {
      await markDone(pending, final);
      return { kind: "done", seconds: seconds() };
    }
    if (this.stopping) return { kind: "interrupted", seconds: seconds() };
    const reason = fatal ||
      (status.success
        ? "the experiment exited before its last step"
        : `exit code ${status.code}${status.signal ? ` (${status.signal})` : ""}; see ${pending}/stderr.log`);
    return { kind: "failed", seconds: seconds(), reason };
  }
}

/** Appends a child's output stream to `path`, calling `onLine` on each complete line. */
async function saveStream(
  stream: ReadableStream<Uint8Array>,
  path: string,
  onLine: (line: string) => void,
): Promise<void> {
  const file = await Deno.open(path, { create: true, append: true });
  const decoder = new TextDecoder();
  let partial = "";
  try {
    for await (const chunk of stream) {
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop()!;
      lines.forEach(onLine);
    }
    if (partial !== "") onLine(partial);
  } finally {
    file.close();
  }
}
