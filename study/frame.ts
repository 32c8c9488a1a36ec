/**
 * Frames: numeric tables indexed by step number, as `study.py` handles them with pandas (spec 9). Missing
 * values are NaN; boolean columns hold 1 and 0.
 */

/** A table of numeric columns sharing one ascending step index. */
export interface Frame {
  /** Step numbers, ascending and distinct, one per row. */
  readonly steps: readonly number[];
  /** Column name → one value per row, in column order. */
  readonly columns: ReadonlyMap<string, Float64Array>;
}

/** A frame with no row and no column. */
export const EMPTY_FRAME: Frame = { steps: [], columns: new Map() };

/** Python `float(text)` for the fields of the reference's result files (`nan`, `inf`, `-inf` included). */
export function parseField(text: string): number {
  const lower = text.trim().toLowerCase();
  if (lower === "inf" || lower === "+inf" || lower === "infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (lower === "" || lower === "nan") return NaN;
  return Number(lower);
}

/**
 * Parses a result table (`eval`, `study`: a `# ` header of TAB-separated names, then TAB-separated records);
 * the first column is the step index, renamed `Step number` as `study.py` does.
 */
export function parseTable(text: string, path: string): Frame {
  const [header, ...records] = text.split("\n");
  if (!header.startsWith("# ")) throw new Error(`Result file '${path}' does not start with a '# ' header`);
  const names = header.slice(2).split("\t").slice(1);
  const rows = records.filter((record) => record.trim() !== "").map((record) => record.split("\t"));
  const steps: number[] = [];
  const columns = new Map(names.map((name) => [name, new Float64Array(rows.length)]));
  rows.forEach((fields, row) => {
    if (fields.length !== names.length + 1) {
      throw new Error(
        `Result file '${path}': record ${row + 1} has ${fields.length} fields, expected ${names.length + 1}`,
      );
    }
    steps.push(parseField(fields[0]));
    names.forEach((name, i) => columns.get(name)![row] = parseField(fields[i + 1]));
  });
  for (let i = 1; i < steps.length; i++) {
    if (!(steps[i] > steps[i - 1])) throw new Error(`Result file '${path}': steps are not increasing`);
  }
  return { steps, columns };
}

/** Outer join on the step index: rows of either frame, NaN where a frame has no row for a step. */
export function outerJoin(left: Frame, right: Frame): Frame {
  const steps = [...new Set([...left.steps, ...right.steps])].sort((a, b) => a - b);
  const columns = new Map<string, Float64Array>();
  for (const frame of [left, right]) {
    const rowOf = new Map(frame.steps.map((step, row) => [step, row]));
    for (const [name, values] of frame.columns) {
      columns.set(name, Float64Array.from(steps, (step) => rowOf.has(step) ? values[rowOf.get(step)!] : NaN));
    }
  }
  return { steps, columns };
}

/** Names of the columns whose lower-cased name contains one of `selectors` (case-insensitive), in order. */
export function selectNames(frame: Frame, selectors: readonly string[]): string[] {
  const names = [...frame.columns.keys()];
  if (selectors.length === 0) return names;
  const chosen: string[] = [];
  for (const selector of selectors) {
    const needle = selector.toLowerCase();
    for (const name of names) {
      if (name.toLowerCase().includes(needle) && !chosen.includes(name)) chosen.push(name);
    }
  }
  return chosen;
}

/** The columns selected by `selectors` (`study.select`); no selector selects every column. */
export function select(frame: Frame, ...selectors: string[]): Frame {
  const names = selectNames(frame, selectors);
  return { steps: frame.steps, columns: new Map(names.map((name) => [name, frame.columns.get(name)!])) };
}

/** The columns that `selectors` do not select (`study.discard`). */
export function discard(frame: Frame, ...selectors: string[]): Frame {
  const dropped = new Set(selectNames(frame, selectors));
  return {
    steps: frame.steps,
    columns: new Map([...frame.columns].filter(([name]) => !dropped.has(name))),
  };
}

/** One column without its NaN rows: the steps and values that remain. */
export function column(frame: Frame, name: string): { steps: number[]; values: number[] } {
  const values = frame.columns.get(name);
  if (values === undefined) throw new Error(`No column '${name}'`);
  const kept = { steps: [] as number[], values: [] as number[] };
  values.forEach((value, row) => {
    if (!Number.isNaN(value)) {
      kept.steps.push(frame.steps[row]);
      kept.values.push(value);
    }
  });
  return kept;
}

/** Per-step mean and standard deviation of one column over several runs. */
export interface SeedStatistics {
  readonly steps: number[];
  readonly mean: number[];
  /** Population standard deviation (ddof 0), as `reproduce.py`'s `numpy.std`. */
  readonly std: number[];
}

/**
 * Mean and population standard deviation of column `name` over `frames` (one per seed), step by step, after
 * dropping each frame's NaN rows (spec 8.2). Throws when a frame lacks the column or when the remaining rows
 * of the frames are not on the same steps.
 */
export function seedStatistics(frames: readonly Frame[], name: string): SeedStatistics {
  if (frames.length === 0) throw new Error(`No run to average column '${name}' over`);
  const runs = frames.map((frame) => column(frame, name));
  const steps = runs[0].steps;
  for (const run of runs) {
    if (run.steps.length !== steps.length || run.steps.some((step, i) => step !== steps[i])) {
      throw new Error(
        `Column '${name}' has ${run.steps.length} rows in a run and ${steps.length} in another`,
      );
    }
  }
  const mean = steps.map((_, i) => runs.reduce((sum, run) => sum + run.values[i], 0) / runs.length);
  const std = steps.map((_, i) =>
    Math.sqrt(runs.reduce((sum, run) => sum + (run.values[i] - mean[i]) ** 2, 0) / runs.length)
  );
  return { steps, mean, std };
}
