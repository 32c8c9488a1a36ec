/**
 * The paper's experiment grid (spec 8): per dataset, for each (f, number of rules) and learning rate, one
 * unattacked run and every (rule, attack, momentum position), each repeated with seeds 1 to 5. Run names and
 * parameters are the reference's `reproduce.py`'s.
 */

/** Experiment parameters: option name (without `--`) → value(s), in command-line order. */
export type Params = Readonly<Record<string, string | readonly string[]>>;

/** A dataset's part of the grid. */
export interface DatasetGrid {
  readonly dataset: string;
  /** Parameters shared by every run of the dataset. */
  readonly common: Params;
  /** (f, number of rules of `RULES` used). */
  readonly fs: readonly (readonly [number, number])[];
  /** Learning rates with their extra parameters (the CIFAR-10 decay delta). */
  readonly lrs: readonly { readonly lr: string; readonly extra: Params }[];
  /** Upper limit of the accuracy axis of its plots. */
  readonly accuracyMax: number;
}

/** Rules in grid order; the first `fm` of them are used for a given f. */
export const RULES = ["krum", "median", "bulyan"] as const;
/** Attacks with their arguments. */
export const ATTACKS = [
  { name: "little", args: ["factor:1.5", "negative:True"] },
  { name: "empire", args: ["factor:1.1"] },
] as const;
/** Momentum positions of the attacked runs. */
export const POSITIONS = ["update", "worker"] as const;
/** Seeds every experiment is repeated with. */
export const SEEDS = [1, 2, 3, 4, 5] as const;

/** The two datasets of the grid, in run order. */
export const DATASETS: readonly DatasetGrid[] = [
  {
    dataset: "mnist",
    common: {
      "dataset": "mnist",
      "batch-size": "83",
      "model": "simples-full",
      "loss": "nll",
      "learning-rate-decay-delta": "300",
      "momentum": "0.9",
      "l2-regularize": "1e-4",
      "evaluation-delta": "5",
      "gradient-clip": "2",
      "nb-steps": "300",
      "nb-for-study": "1",
      "nb-for-study-past": "150",
      "nb-workers": "51",
    },
    fs: [[24, 2], [12, 3]],
    lrs: [{ lr: "0.5", extra: {} }, { lr: "0.02", extra: {} }],
    accuracyMax: 1,
  },
  {
    dataset: "cifar10",
    common: {
      "dataset": "cifar10",
      "batch-size": "50",
      "model": "empire-cnn",
      "loss": "nll",
      "learning-rate-decay": "167",
      "momentum": "0.99",
      "l2-regularize": "1e-2",
      "evaluation-delta": "100",
      "gradient-clip": "5",
      "nb-steps": "3000",
      "nb-for-study": "1",
      "nb-for-study-past": "25",
      "nb-workers": "25",
    },
    fs: [[11, 2], [5, 3]],
    lrs: [
      { lr: "0.01", extra: { "learning-rate-decay-delta": "1500" } },
      { lr: "0.001", extra: { "learning-rate-decay-delta": "3000" } },
    ],
    accuracyMax: 0.9,
  },
];

/** One experiment of the grid (all seeds). */
export interface Experiment {
  /** Name as in the reference, e.g. `mnist-little-krum-f_24-lr_0.5-at_update` or `mnist-average-n_27-lr_0.5`. */
  readonly name: string;
  readonly dataset: string;
  /** The f of its grid group (the unattacked run has n − f workers and no Byzantine one). */
  readonly f: number;
  readonly lr: string;
  /** `average` for the unattacked run. */
  readonly rule: string;
  /** `none` for the unattacked run. */
  readonly attack: string;
  readonly at: "update" | "worker";
  /** Parameters of the experiment command, without seed and result directory. */
  readonly params: Params;
}

/** One experiment with one seed: the unit of work, stored in directory `<name>-<seed>`. */
export interface Run {
  readonly experiment: Experiment;
  readonly seed: number;
  /** `<name>-<seed>`. */
  readonly id: string;
  /** Position in the full grid (every dataset, every seed), which defines the shards. */
  readonly index: number;
}

/** The experiments of one dataset, in the reference's submission order. */
export function datasetExperiments(grid: DatasetGrid): Experiment[] {
  const experiments: Experiment[] = [];
  for (const [f, fm] of grid.fs) {
    for (const { lr, extra } of grid.lrs) {
      const base = { ...grid.common, "learning-rate": lr, ...extra };
      const honest = String(Number(grid.common["nb-workers"]) - f);
      experiments.push({
        name: `${grid.dataset}-average-n_${honest}-lr_${lr}`,
        dataset: grid.dataset,
        f,
        lr,
        rule: "average",
        attack: "none",
        at: "update",
        params: { ...base, "nb-workers": honest },
      });
      for (const rule of RULES.slice(0, fm)) {
        for (const attack of ATTACKS) {
          for (const at of POSITIONS) {
            experiments.push({
              name: `${grid.dataset}-${attack.name}-${rule}-f_${f}-lr_${lr}-at_${at}`,
              dataset: grid.dataset,
              f,
              lr,
              rule,
              attack: attack.name,
              at,
              params: {
                ...base,
                "nb-decl-byz": String(f),
                "nb-real-byz": String(f),
                "gar": rule,
                "attack": attack.name,
                "attack-args": attack.args,
                "momentum-at": at,
              },
            });
          }
        }
      }
    }
  }
  return experiments;
}

/** Every run of the grid: experiments in the reference's order, each with every seed. */
export function fullGrid(): Run[] {
  const runs: Run[] = [];
  for (const grid of DATASETS) {
    for (const experiment of datasetExperiments(grid)) {
      for (const seed of SEEDS) {
        runs.push({ experiment, seed, id: `${experiment.name}-${seed}`, index: runs.length });
      }
    }
  }
  return runs;
}

/** Which runs to keep; an absent criterion keeps everything. */
export interface RunFilter {
  readonly datasets?: readonly string[];
  readonly rules?: readonly string[];
  readonly attacks?: readonly string[];
  readonly positions?: readonly string[];
  readonly seeds?: readonly number[];
  readonly fs?: readonly number[];
  readonly lrs?: readonly string[];
}

/**
 * Whether `run` passes `filter`. Rule, attack and momentum position select attacked runs only: the
 * unattacked runs of the selected datasets, f, learning rates and seeds are always kept, since every
 * accuracy plot compares against them.
 */
export function matches(run: Run, filter: RunFilter): boolean {
  const e = run.experiment;
  const keep = <T>(values: readonly T[] | undefined, value: T) =>
    values === undefined || values.includes(value);
  if (!keep(filter.datasets, e.dataset) || !keep(filter.seeds, run.seed)) return false;
  if (!keep(filter.fs, e.f) || !keep(filter.lrs, e.lr)) return false;
  if (e.attack === "none") return true;
  return keep(filter.rules, e.rule) && keep(filter.attacks, e.attack) && keep(filter.positions, e.at);
}

/** The K-th (1-based) of N disjoint shards: runs whose full-grid index is K − 1 modulo N. */
export function inShard(run: Run, shard: { readonly k: number; readonly n: number }): boolean {
  return run.index % shard.n === shard.k - 1;
}

/** `params` with `overrides` (`--set`) replacing or adding options. */
export function withOverrides(params: Params, overrides: Params): Params {
  return { ...params, ...overrides };
}

/** The quick profile: MNIST, f = 12 (all three rules), lr 0.5, seed 1, fewer steps; its own directories. */
export const QUICK = {
  filter: { datasets: ["mnist"], fs: [12], lrs: ["0.5"], seeds: [1] },
  overrides: { "nb-steps": "50" },
  dataDirectory: "results-quick-data",
  plotDirectory: "results-quick-plot",
} as const;
