/**
 * Writes a run's `eval` and `study` files (spec 2.2) and prints accuracies, as results come back from the
 * GPU. Files are flushed after every readback, so an interrupted run keeps every row it computed.
 */
import { ResultTable } from "./table.ts";
import { ACCEPTATION_COLUMN, EVAL_COLUMNS, STUDY_COLUMNS } from "./columns.ts";
import { formatE8, pyFloatRepr } from "./format.ts";
import type { Observer } from "../train/simulator.ts";

/** Observer writing the result tables (when a directory is given) and the console lines. */
export class ResultWriter implements Observer {
  private constructor(
    private readonly evalTable: ResultTable | null,
    private readonly studyTable: ResultTable | null,
    private readonly print: (line: string) => void,
  ) {}

  /** Opens the tables that the run produces in `directory` (null: console only). */
  static async open(
    directory: string | null,
    tables: {
      readonly eval: boolean;
      readonly study: boolean;
      /** Whether the study has the later reference's 24th column (spec 12.1). */
      readonly acceptation?: boolean;
      readonly append: boolean;
    },
    print: (line: string) => void,
  ): Promise<ResultWriter> {
    const open = (name: string, columns: readonly string[]) =>
      ResultTable.create(`${directory}/${name}`, columns, { append: tables.append });
    return new ResultWriter(
      directory !== null && tables.eval ? await open("eval", EVAL_COLUMNS) : null,
      directory !== null && tables.study
        ? await open("study", tables.acceptation ? [...STUDY_COLUMNS, ACCEPTATION_COLUMN] : STUDY_COLUMNS)
        : null,
      print,
    );
  }

  evaluated(step: number, correct: number, total: number): void {
    const accuracy = correct / total;
    this.print(`Accuracy (step ${step})... ${(accuracy * 100).toFixed(2)}%.`);
    this.evalTable?.appendRows([[String(step), pyFloatRepr(accuracy)]]);
  }

  studied(step: number, datapoints: number, metrics: Float32Array, acceptation?: number): void {
    const row = [String(step), String(datapoints), ...Array.from(metrics, formatE8)];
    // The later reference prints this column with Python's str(), not '%.8e'.
    if (acceptation !== undefined) row.push(pyFloatRepr(acceptation));
    this.studyTable?.appendRows([row]);
  }

  /** Writes buffered rows to disk. */
  async flush(): Promise<void> {
    await this.evalTable?.flush();
    await this.studyTable?.flush();
  }

  /** Flushes and closes the files. */
  async close(): Promise<void> {
    await this.evalTable?.close();
    await this.studyTable?.close();
  }
}
