/**
 * Command line of `deno task reproduce` (the reference's `reproduce.py`, spec 8, plus filters, shards, a
 * dry run and the quick profile).
 */
import { parseArgs } from "node:util";
import { DATASETS, type Params, QUICK, type RunFilter } from "./grid.ts";

/** Concurrent experiments by default: measured on 2-core llvmpipe machines (README, "Reproducing the paper"). */
export const DEFAULT_JOBS = 1;

/** Parsed options. */
export interface ReproduceOptions {
  readonly dataDirectory: string;
  readonly plotDirectory: string;
  /** Concurrent experiment processes (the reference's devices × supercharge). */
  readonly jobs: number;
  readonly filter: RunFilter;
  /** Parameters replacing the grid's in every run (`--set key=value`). */
  readonly overrides: Params;
  readonly shard: { readonly k: number; readonly n: number };
  readonly dryRun: boolean;
  /** Start missing runs (false with `--no-run`). */
  readonly run: boolean;
  /** Draw the plots and the HTML report (false with `--no-plot`). */
  readonly plot: boolean;
  /** `--checkpoint-delta` of every run (0 = only the checkpoint written when a run is interrupted). */
  readonly checkpointDelta: number;
  /** Dataset directory given to every run (`--data-directory` of the experiment command), or null. */
  readonly datasetDirectory: string | null;
}

/** A bad command line; one-line message. */
export class ReproduceUsageError extends Error {}

/** Help text. */
export const HELP = `Usage: deno task reproduce [options]

Runs the paper's experiment grid (spec 8: MNIST and CIFAR-10, 44 experiments each, seeds 1-5) with
--compat reference-v1, then prints the ratio analysis, draws every plot and writes report.html.
Runs already done are skipped; interrupted or failed ones are redone.

  --data-directory DIR     result directories, one per run (default results-data)
  --plot-directory DIR     PNG plots and report.html (default results-plot)
  --jobs N                 experiments run at the same time (default ${DEFAULT_JOBS})
  --only DATASET           mnist or cifar10
  --rule LIST              krum,median,bulyan (attacked runs; unattacked runs are always kept)
  --attack LIST            little,empire
  --at LIST                momentum position of attacked runs: update,worker
  --f LIST                 declared Byzantine workers (MNIST 24,12; CIFAR-10 11,5)
  --lr LIST                learning rates as named (0.5,0.02; 0.01,0.001)
  --seeds LIST             e.g. 1,2 or 1-3 (default 1-5)
  --shard K/N              only the K-th of N disjoint parts of the grid (several machines, job arrays)
  --set KEY=VALUE          replace an experiment option in every run (e.g. nb-steps=50); repeatable
  --checkpoint-delta N     runs checkpoint every N steps, so a killed run resumes (default 0: only on Ctrl-C)
  --dataset-directory DIR  where the runs find the dataset files (the experiment's --data-directory)
  --quick                  quick profile: MNIST, f=12, lr 0.5, seed 1, ${
  QUICK.overrides["nb-steps"]
} steps, into
                           ${QUICK.dataDirectory}/ and ${QUICK.plotDirectory}/ (about ten minutes on a laptop)
  --dry-run                list the runs to start and those done, with counts per dataset; run nothing
  --no-run                 start nothing: analysis and plots of the runs already done
  --no-plot                no plots and no report (e.g. on the shards, before gathering the results)
  --help                   this text`;

/** `a,b,c` → trimmed non-empty items. */
function list(text: string): string[] {
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** A non-negative integer option, or a usage error. */
function integer(text: string, what: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new ReproduceUsageError(`Expected an integer ≥ ${min} for ${what}, got '${text}'`);
  }
  return Number(text);
}

/** `1,3-5` → [1, 3, 4, 5]. */
function seedList(text: string): number[] {
  const seeds: number[] = [];
  for (const item of list(text)) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) {
      for (let s = Number(range[1]); s <= Number(range[2]); s++) seeds.push(s);
    } else seeds.push(integer(item, "--seeds", 0));
  }
  return seeds;
}

/** `K/N` with 1 ≤ K ≤ N. */
function shardOf(text: string): { k: number; n: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match || Number(match[1]) < 1 || Number(match[1]) > Number(match[2])) {
    throw new ReproduceUsageError(`Expected --shard K/N with 1 ≤ K ≤ N, got '${text}'`);
  }
  return { k: Number(match[1]), n: Number(match[2]) };
}

/** `key=value` pairs → parameters (values with spaces become several tokens, as `attack-args`). */
function overridesOf(items: readonly string[]): Params {
  const overrides: Record<string, string | string[]> = {};
  for (const item of items) {
    const at = item.indexOf("=");
    const key = item.slice(0, at).replace(/^--/, "");
    if (at < 1 || key === "") throw new ReproduceUsageError(`Expected --set KEY=VALUE, got '${item}'`);
    const tokens = item.slice(at + 1).split(" ").filter((token) => token !== "");
    overrides[key] = tokens.length === 1 ? tokens[0] : tokens;
  }
  return overrides;
}

/** Parses the command line; null means `--help`. Throws `ReproduceUsageError` on bad input. */
export function parseReproduceArgs(argv: readonly string[]): ReproduceOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        "data-directory": { type: "string" },
        "plot-directory": { type: "string" },
        "jobs": { type: "string" },
        "only": { type: "string" },
        "rule": { type: "string" },
        "attack": { type: "string" },
        "at": { type: "string" },
        "f": { type: "string" },
        "lr": { type: "string" },
        "seeds": { type: "string" },
        "shard": { type: "string" },
        "set": { type: "string", multiple: true },
        "checkpoint-delta": { type: "string" },
        "dataset-directory": { type: "string" },
        "quick": { type: "boolean" },
        "dry-run": { type: "boolean" },
        "no-run": { type: "boolean" },
        "no-plot": { type: "boolean" },
        "help": { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new ReproduceUsageError((error as Error).message);
  }
  if (values.help) return null;
  const quick = values.quick ?? false;
  const only = values.only;
  if (only !== undefined && !DATASETS.some((grid) => grid.dataset === only)) {
    throw new ReproduceUsageError(
      `Unknown dataset '${only}' for --only, expected one of: ${DATASETS.map((g) => g.dataset).join(", ")}`,
    );
  }
  const base: RunFilter = quick ? QUICK.filter : {};
  const filter: RunFilter = {
    ...base,
    ...(only === undefined ? {} : { datasets: [only] }),
    ...(values.rule === undefined ? {} : { rules: list(values.rule) }),
    ...(values.attack === undefined ? {} : { attacks: list(values.attack) }),
    ...(values.at === undefined ? {} : { positions: list(values.at) }),
    ...(values.f === undefined ? {} : { fs: list(values.f).map((f) => integer(f, "--f", 0)) }),
    ...(values.lr === undefined ? {} : { lrs: list(values.lr) }),
    ...(values.seeds === undefined ? {} : { seeds: seedList(values.seeds) }),
  };
  return {
    dataDirectory: values["data-directory"] ?? (quick ? QUICK.dataDirectory : "results-data"),
    plotDirectory: values["plot-directory"] ?? (quick ? QUICK.plotDirectory : "results-plot"),
    jobs: values.jobs === undefined ? DEFAULT_JOBS : integer(values.jobs, "--jobs", 1),
    filter,
    overrides: { ...(quick ? QUICK.overrides : {}), ...overridesOf(values.set ?? []) },
    shard: values.shard === undefined ? { k: 1, n: 1 } : shardOf(values.shard),
    dryRun: values["dry-run"] ?? false,
    run: !(values["no-run"] ?? false),
    plot: !(values["no-plot"] ?? false),
    checkpointDelta: values["checkpoint-delta"] === undefined
      ? 0
      : integer(values["checkpoint-delta"], "--checkpoint-delta", 0),
    datasetDirectory: values["dataset-directory"] ?? null,
  };
}
