/**
 * Progress of the grid: runs done / total, the step rate of each running experiment and the estimated time
 * left. On a terminal, one status line redrawn in place (finished runs scroll above it); otherwise plain lines
 * (each start and end, and a status line every minute).
 */
import type { Job, Outcome, RunnerEvents } from "./runner.ts";

/** Where and how progress is written. */
export interface ProgressOutput {
  /** Writes text as is. */
  write(text: string): void;
  /** Whether to redraw a status line in place (a terminal). */
  readonly tty: boolean;
  /** Terminal width for the status line. */
  readonly columns: number;
}

/** Progress on this process's stdout. */
export function stdoutOutput(): ProgressOutput {
  const tty = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  return {
    write: (text) => Deno.stdout.writeSync(encoder.encode(text)),
    tty,
    columns: tty ? Deno.consoleSize().columns || 80 : 0,
  };
}

/** `3725` → `1h 02m`, `65` → `1m 05s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (x: number) => String(x).padStart(2, "0");
  return h > 0 ? `${h}h ${two(m)}m` : m > 0 ? `${m}m ${two(r)}s` : `${r}s`;
}

interface Running {
  readonly from: number;
  readonly since: number;
  step: number;
}

/** Tracks the runner's events and writes the progress. */
export class Progress implements RunnerEvents {
  readonly #out: ProgressOutput;
  readonly #total: number;
  #done: number;
  #failed = 0;
  readonly #queued: Set<Job>;
  readonly #running = new Map<Job, Running>();
  /** Per dataset: seconds and steps of the finished runs (startup included), for the time left. */
  readonly #cost = new Map<string, { seconds: number; steps: number }>();
  readonly #jobs: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #lastPlain = performance.now();

  /** Progress over `total` runs of which `done` are already done; `jobs` are left to run, `lanes` at a time. */
  constructor(out: ProgressOutput, total: number, done: number, jobs: readonly Job[], lanes: number) {
    this.#out = out;
    this.#total = total;
    this.#done = done;
    this.#queued = new Set(jobs);
    this.#jobs = lanes;
    this.#timer = setInterval(() => this.#tick(), 1000);
  }

  /** Stops redrawing and clears the status line. */
  close(): void {
    clearInterval(this.#timer);
    if (this.#out.tty) this.#out.write("\r\x1b[K");
  }

  started(job: Job, from: number): void {
    this.#queued.delete(job);
    this.#running.set(job, { from, since: performance.now(), step: from });
    if (!this.#out.tty) this.#line(`start ${job.run.id}${from > 0 ? ` (resumes at step ${from})` : ""}`);
    else this.#redraw();
  }

  stepped(job: Job, step: number): void {
    const running = this.#running.get(job);
    if (running) running.step = step;
  }

  finished(job: Job, outcome: Outcome): void {
    const running = this.#running.get(job);
    this.#running.delete(job);
    const time = formatDuration(outcome.seconds);
    if (outcome.kind === "done") {
      this.#done++;
      const cost = this.#cost.get(job.run.experiment.dataset) ?? { seconds: 0, steps: 0 };
      cost.seconds += outcome.seconds;
      cost.steps += job.steps - (running?.from ?? 0);
      this.#cost.set(job.run.experiment.dataset, cost);
      this.#line(`done ${job.run.id} in ${time} (${this.#summary()})`);
    } else if (outcome.kind === "failed") {
      this.#failed++;
      this.#line(`FAILED ${job.run.id} after ${time}: ${outcome.reason}`);
    } else this.#line(`interrupted ${job.run.id} after ${time}; it resumes from its checkpoint next time`);
  }

  /** Estimated seconds left, from the cost per step of the finished runs (per dataset when known). */
  estimate(): number {
    const all = [...this.#cost.values()].reduce(
      (a, c) => ({ seconds: a.seconds + c.seconds, steps: a.steps + c.steps }),
      {
        seconds: 0,
        steps: 0,
      },
    );
    if (all.steps === 0) return NaN;
    const perStep = (job: Job) => {
      const cost = this.#cost.get(job.run.experiment.dataset) ?? all;
      return cost.seconds / cost.steps;
    };
    let seconds = 0;
    for (const job of this.#queued) seconds += job.steps * perStep(job);
    for (const [job, running] of this.#running) seconds += (job.steps - running.step) * perStep(job);
    return seconds / Math.max(1, Math.min(this.#jobs, this.#queued.size + this.#running.size));
  }

  #summary(): string {
    const failed = this.#failed > 0 ? `, ${this.#failed} failed` : "";
    return `${this.#done}/${this.#total} done${failed}, ETA ${formatDuration(this.estimate())}`;
  }

  #runningText(): string {
    const now = performance.now();
    return [...this.#running].map(([job, r]) => {
      const seconds = (now - r.since) / 1000;
      // Experiments report steps when they read their metrics back (every 50 steps by default).
      if (r.step === r.from) return `${job.run.id} (${formatDuration(seconds)})`;
      return `${job.run.id} ${r.step}/${job.steps} (${((r.step - r.from) / seconds).toFixed(2)} step/s)`;
    }).join(", ");
  }

  /** A permanent line (above the status line on a terminal). */
  #line(text: string): void {
    if (this.#out.tty) {
      this.#out.write(`\r\x1b[K${text}\n`);
      this.#redraw();
    } else this.#out.write(`[reproduce] ${text}\n`);
  }

  #redraw(): void {
    const text = `[${this.#summary()}] ${this.#runningText()}`;
    const width = Math.max(20, this.#out.columns - 1);
    this.#out.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
  }

  #tick(): void {
    if (this.#out.tty) this.#redraw();
    else if (performance.now() - this.#lastPlain >= 60_000 && this.#running.size > 0) {
      this.#lastPlain = performance.now();
      this.#out.write(`[reproduce] ${this.#summary()}; running: ${this.#runningText()}\n`);
    }
  }
}
