/**
 * Study of result directories (the reference's `study.py`, spec 9), as a library and a command.
 *
 * Library: `loadSession` (config, config.json, `study` and `eval` outer-joined on the step), the derived
 * columns (`computeRatio`, `computeEpoch`, `computeLr`, `computeAll`), case-insensitive substring column
 * selection (`select`, `discard`), mean and standard deviation over seeds (`seedStatistics`) and line plots
 * to PNG (`savePlot`).
 *
 * @example
 * ```ts
 * import { computeAll, loadSession, select } from "./study.ts";
 * const session = computeAll(await loadSession("results-data/mnist-little-krum-f_12-lr_0.5-at_worker-1"), console.warn);
 * console.log([...select(session.data, "ratio").columns.keys()]); // Sampled ratio, Honest ratio, Ratio enough for GAR?
 * ```
 *
 * Command: `deno task study [options] RUN_DIRECTORY...` (`--help`).
 * @module
 */
import { parseArgs } from "node:util";
import { type Frame, seedStatistics, select } from "./study/frame.ts";
import { loadSession, type Session } from "./study/session.ts";
import { computeAll } from "./study/derived.ts";
import { savePlot, type Series } from "./study/plot.ts";

export { column, discard, type Frame, outerJoin, parseTable, seedStatistics, select } from "./study/frame.ts";
export type { SeedStatistics } from "./study/frame.ts";
export { loadSession, type RunConfig, type Session, type Warn } from "./study/session.ts";
export {
  computeAll,
  computeEpoch,
  computeLr,
  computeRatio,
  DERIVED,
  hasKnownRatio,
  ratioBound,
} from "./study/derived.ts";
export { linePlotSpec, type PlotOptions, renderSvg, savePlot, type Series, svgToPng } from "./study/plot.ts";

const HELP = `Usage: deno task study [options] RUN_DIRECTORY...

Loads result directories (config.json, study, eval), adds the derived columns (Sampled ratio, Honest ratio,
Ratio enough for GAR?, Epoch number, Learning rate) and lists, prints or plots the selected columns.

  -c, --column TEXT   select the columns whose name contains TEXT (case-insensitive); repeatable
  --group             average the runs whose names differ only by their -<seed> suffix (mean ± std)
  --table             print the selected columns, TAB-separated
  --output FILE.png   plot the selected columns against the step number
  --title TEXT        plot title; --xlabel, --ylabel TEXT: axis titles
  --xmin, --xmax, --ymin, --ymax X   axis limits
  --help              this text
Without --table or --output, lists each run's columns.`;

/** Runs loaded for the command, grouped by experiment with `--group`. */
interface Group {
  readonly label: string;
  readonly sessions: Session[];
}

/** Groups sessions by name without the trailing `-<seed>` (or one group per session). */
function groupSessions(sessions: readonly Session[], byExperiment: boolean): Group[] {
  const groups = new Map<string, Session[]>();
  for (const session of sessions) {
    const label = byExperiment ? session.name.replace(/-\d+$/, "") : session.name;
    groups.set(label, [...(groups.get(label) ?? []), session]);
  }
  return [...groups].map(([label, members]) => ({ label, sessions: members }));
}

/** The selected columns of a group: per column, steps, values (mean over the group) and std (NaN alone). */
function groupColumns(group: Group, selectors: readonly string[]) {
  const frames: Frame[] = group.sessions.map((s) => select(s.data, ...selectors));
  const names = [...frames[0].columns.keys()];
  return names.map((name) => ({ name, ...seedStatistics(frames, name) }));
}

/** A number option, or undefined. */
function numberOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) {
    throw new Error(`Expected a number for --${name}, got '${text}'`);
  }
  return value;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      column: { type: "string", short: "c", multiple: true },
      group: { type: "boolean" },
      table: { type: "boolean" },
      output: { type: "string" },
      title: { type: "string" },
      xlabel: { type: "string" },
      ylabel: { type: "string" },
      xmin: { type: "string" },
      xmax: { type: "string" },
      ymin: { type: "string" },
      ymax: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(HELP);
    return values.help ? 0 : 1;
  }
  const warn = (message: string) => console.error(`[warning] ${message}`);
  const sessions: Session[] = [];
  for (const path of positionals) sessions.push(computeAll(await loadSession(path, warn), warn));
  const selectors = values.column ?? [];
  const groups = groupSessions(sessions, values.group ?? false);
  if (!values.table && values.output === undefined) {
    for (const session of sessions) {
      const names = [...select(session.data, ...selectors).columns.keys()];
      console.log(`${session.name} (${session.data.steps.length} rows): ${names.join(", ")}`);
    }
    return 0;
  }
  const columns = groups.map((group) => ({ group, columns: groupColumns(group, selectors) }));
  if (columns.every((c) => c.columns.length === 0)) {
    throw new Error(`No column matches ${selectors.join(", ")}`);
  }
  if (values.table) {
    for (const { group, columns: cols } of columns) {
      console.log(`# ${group.label}`);
      for (const col of cols) {
        console.log(
          `## ${col.name}${group.sessions.length > 1 ? ` (mean, std over ${group.sessions.length})` : ""}`,
        );
        col.steps.forEach((step, i) => console.log(`${step}\t${col.mean[i]}\t${col.std[i]}`));
      }
    }
  }
  if (values.output !== undefined) {
    const single = columns.length === 1;
    const series: Series[] = columns.flatMap(({ group, columns: cols }) =>
      cols.map((col) => ({
        label: single ? col.name : cols.length === 1 ? group.label : `${group.label}: ${col.name}`,
        x: col.steps,
        y: col.mean,
        ...(group.sessions.length > 1 ? { err: col.std } : {}),
      }))
    );
    const allNames = [...new Set(columns.flatMap((c) => c.columns.map((col) => col.name)))];
    await savePlot(values.output, series, {
      title: values.title,
      xlabel: values.xlabel ?? "Step number",
      ylabel: values.ylabel ?? (allNames.length === 1 ? allNames[0] : "Value"),
      xmin: numberOption(values.xmin, "xmin"),
      xmax: numberOption(values.xmax, "xmax"),
      ymin: numberOption(values.ymin, "ymin"),
      ymax: numberOption(values.ymax, "ymax"),
    });
    console.log(`Wrote ${values.output} (${series.length} lines from ${sessions.length} runs)`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    console.log(`[fatal] ${(error as Error).message}`);
    Deno.exitCode = 1;
  }
}
