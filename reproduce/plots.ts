/**
 * The figures of spec 8.2, per dataset, (f, learning rate) and attack: top-1 cross-accuracy against the step
 * for each momentum position (the unattacked run, then one curve per rule), and the honest variance-norm ratio
 * of each rule with momentum at the update ("@server") against at the workers. Curves are the mean over the
 * seeds with a ± standard deviation band.
 */
import { join } from "node:path";
import { type Frame, type SeedStatistics, seedStatistics } from "../study/frame.ts";
import { loadSession, type Warn } from "../study/session.ts";
import { computeRatio, DERIVED } from "../study/derived.ts";
import { savePlot, type Series } from "../study/plot.ts";
import {
  ATTACKS,
  datasetExperiments,
  type DatasetGrid,
  DATASETS,
  type Experiment,
  POSITIONS,
  RULES,
  type RunFilter,
} from "./grid.ts";

/** The accuracy column of the `eval` file. */
export const ACCURACY = "Cross-accuracy";

/** Per-step mean and std over the seeds of the columns a plot uses. */
export interface ExperimentCurves {
  readonly experiment: Experiment;
  readonly frames: readonly Frame[];
  readonly accuracy: SeedStatistics;
  readonly ratio: SeedStatistics;
}

/** A written plot. */
export interface PlotFile {
  /** File name in the plot directory. */
  readonly file: string;
  readonly dataset: string;
  /** What it shows, for the report. */
  readonly caption: string;
}

/** Loads an experiment's runs for `seeds` and averages them; null (with a warning) when one is not done. */
export async function experimentCurves(
  dataDirectory: string,
  experiment: Experiment,
  seeds: readonly number[],
  warn: Warn,
): Promise<ExperimentCurves | null> {
  const frames: Frame[] = [];
  for (const seed of seeds) {
    const path = join(dataDirectory, `${experiment.name}-${seed}`);
    try {
      frames.push(computeRatio(await loadSession(path, warn), warn, true).data);
    } catch (error) {
      warn(`Unable to process '${experiment.name}': ${(error as Error).message}`);
      return null;
    }
  }
  try {
    return {
      experiment,
      frames,
      accuracy: seedStatistics(frames, ACCURACY),
      ratio: seedStatistics(frames, DERIVED.honestRatio),
    };
  } catch (error) {
    warn(`Unable to process '${experiment.name}': ${(error as Error).message}`);
    return null;
  }
}

/** A mean ± std curve as a plot series. */
function series(label: string, stats: SeedStatistics, color?: number, dash?: number): Series {
  return { label, x: stats.steps, y: stats.mean, err: stats.std, color, dash };
}

/** The reference's ratio axis limit: the first of 1, 2, 6, 12 above the largest mean ratio, else 20. */
export function ratioAxisMax(...curves: readonly SeedStatistics[]): number {
  const max = Math.max(...curves.flatMap((c) => c.mean.filter((v) => !Number.isNaN(v))));
  return [1, 2, 6, 12].find((limit) => max < limit) ?? 20;
}

/** `krum` → `Krum`. */
const capitalize = (name: string) => name[0].toUpperCase() + name.slice(1);

/** Settings of `drawGridPlots`. */
export interface GridPlotOptions {
  readonly dataDirectory: string;
  readonly plotDirectory: string;
  /** Which part of the grid to draw. */
  readonly filter: RunFilter;
  /** Seeds averaged in every curve. */
  readonly seeds: readonly number[];
  /** Steps of the runs per dataset (the x axis runs from 0 to it). */
  readonly steps: ReadonlyMap<string, number>;
  readonly warn: Warn;
}

/** Draws every plot of the selected part of the grid; returns the plots and the curves of the experiments. */
export async function drawGridPlots(
  options: GridPlotOptions,
): Promise<{ plots: PlotFile[]; curves: ExperimentCurves[] }> {
  const plots: PlotFile[] = [], curves: ExperimentCurves[] = [];
  const keep = <T>(values: readonly T[] | undefined, value: T) =>
    values === undefined || values.includes(value);
  const load = async (experiment: Experiment) => {
    const loaded = await experimentCurves(options.dataDirectory, experiment, options.seeds, options.warn);
    if (loaded) curves.push(loaded);
    return loaded;
  };
  const draw = async (
    plot: PlotFile,
    lines: Series[],
    grid: DatasetGrid,
    ylabel: string,
    ymax: number,
    alpha: number,
  ) => {
    await savePlot(join(options.plotDirectory, plot.file), lines, {
      xlabel: "Step number",
      ylabel,
      xmin: 0,
      xmax: options.steps.get(grid.dataset),
      ymin: 0,
      ymax,
      lineOpacity: alpha,
    });
    plots.push(plot);
  };
  for (const grid of DATASETS.filter((g) => keep(options.filter.datasets, g.dataset))) {
    const experiments = datasetExperiments(grid);
    const find = (f: number, lr: string, rule: string, attack: string, at: string) =>
      experiments.find((e) =>
        e.f === f && e.lr === lr && e.rule === rule && e.attack === attack && e.at === at
      );
    for (const [f, fm] of grid.fs.filter(([f]) => keep(options.filter.fs, f))) {
      for (const { lr } of grid.lrs.filter(({ lr }) => keep(options.filter.lrs, lr))) {
        const baseline = await load(find(f, lr, "average", "none", "update")!);
        if (baseline === null) continue;
        const rules = RULES.slice(0, fm).filter((rule) => keep(options.filter.rules, rule));
        for (const attack of ATTACKS.map((a) => a.name).filter((a) => keep(options.filter.attacks, a))) {
          const at = new Map<string, Map<string, ExperimentCurves>>();
          for (const position of POSITIONS.filter((p) => keep(options.filter.positions, p))) {
            const attacked = new Map<string, ExperimentCurves>();
            for (const rule of rules) {
              const loaded = await load(find(f, lr, rule, attack, position)!);
              if (loaded) attacked.set(rule, loaded);
            }
            at.set(position, attacked);
            const lines = [series("No attack", baseline.accuracy)];
            for (const [rule, loaded] of attacked) lines.push(series(capitalize(rule), loaded.accuracy));
            const file = `${grid.dataset}-${attack}-f_${f}-lr_${lr}-at_${position}.png`;
            const caption =
              `${grid.dataset}, attack ${attack}, f = ${f}, lr = ${lr}, momentum at the ${position}: ` +
              "top-1 cross-accuracy";
            await draw(
              { file, dataset: grid.dataset, caption },
              lines,
              grid,
              "Top-1 cross-accuracy",
              grid.accuracyMax,
              0.8,
            );
          }
          for (const rule of rules) {
            const update = at.get("update")?.get(rule), worker = at.get("worker")?.get(rule);
            if (update === undefined || worker === undefined) continue;
            const file = `${grid.dataset}-${attack}-${rule}-f_${f}-lr_${lr}-ratio.png`;
            const caption = `${grid.dataset}, attack ${attack}, ${rule}, f = ${f}, lr = ${lr}: ` +
              "honest variance-norm ratio, momentum at the update (@server) vs at the workers";
            const lines = [
              series(`${capitalize(rule)} @server`, update.ratio, 0, 0),
              series(`${capitalize(rule)} @worker`, worker.ratio, 4, 0),
            ];
            await draw(
              { file, dataset: grid.dataset, caption },
              lines,
              grid,
              "Variance-norm ratio",
              ratioAxisMax(update.ratio, worker.ratio),
              0.5,
            );
          }
        }
      }
    }
  }
  return { plots, curves };
}
