/**
 * Result tables (`eval`, `study`) in the reference's format: a header `# ` + TAB-joined column names with no
 * newline after it, then each record as `\n` + TAB-joined fields (so the file never ends with a newline).
 */

/** Options of `ResultTable.create`. */
export interface ResultTableOptions {
  /** Resume: keep the existing file (its header must match `columns`) and add records after it. */
  append?: boolean;
}

/** The content of a result table. */
export interface TableContent {
  columns: string[];
  rows: string[][];
}

const encoder = new TextEncoder();

/** A result table being written; records are buffered until `flush()` or `close()`. */
export class ResultTable {
  readonly path: string;
  readonly columns: readonly string[];
  #file: Deno.FsFile | null;
  #pending = "";

  private constructor(path: string, columns: readonly string[], file: Deno.FsFile) {
    this.path = path;
    this.columns = columns;
    this.#file = file;
  }

  /** Creates (truncating) the table and writes its header, or with `append` reopens an existing one. */
  static async create(
    path: string,
    columns: readonly string[],
    options: ResultTableOptions = {},
  ): Promise<ResultTable> {
    columns.forEach((column) => checkField(column, path));
    const header = `# ${columns.join("\t")}`;
    const existing = options.append ? await readIfPresent(path) : null;
    if (existing) {
      const found = existing.split("\n", 1)[0];
      if (found !== header) {
        throw new Error(
          `Result file '${path}' has header ${JSON.stringify(found)}, expected ${JSON.stringify(header)}`,
        );
      }
      return new ResultTable(path, columns, await Deno.open(path, { append: true }));
    }
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    const table = new ResultTable(path, columns, file);
    table.#pending = header;
    await table.flush();
    return table;
  }

  /** Buffers records; each must have one field per column, without TAB or newline characters. */
  appendRows(rows: readonly (readonly string[])[]): void {
    if (this.#file === null) throw new Error(`Result file '${this.path}' is closed`);
    for (const row of rows) {
      if (row.length !== this.columns.length) {
        throw new Error(
          `Result file '${this.path}': record of ${row.length} fields, expected ${this.columns.length}`,
        );
      }
      row.forEach((field) => checkField(field, this.path));
      this.#pending += `\n${row.join("\t")}`;
    }
  }

  /** Writes every buffered record to the file (completely, without fsync). */
  async flush(): Promise<void> {
    if (this.#file === null || this.#pending === "") return;
    const bytes = encoder.encode(this.#pending);
    this.#pending = "";
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
  }

  /** Flushes and closes the file; later calls do nothing. */
  async close(): Promise<void> {
    await this.flush();
    this.#file?.close();
    this.#file = null;
  }
}

/** Reads a result table written in this format. */
export function readTable(path: string): TableContent {
  const [header, ...records] = Deno.readTextFileSync(path).split("\n");
  if (!header.startsWith("# ")) throw new Error(`Result file '${path}' does not start with a '# ' header`);
  return { columns: header.slice(2).split("\t"), rows: records.map((record) => record.split("\t")) };
}

/** Throws if a column name or field would break the format. */
function checkField(field: string, path: string): void {
  if (/[\t\n\r]/.test(field)) {
    throw new Error(`Result file '${path}': field ${JSON.stringify(field)} has TAB or newline`);
  }
}

/** The file's text, or null when it does not exist or is empty. */
async function readIfPresent(path: string): Promise<string | null> {
  try {
    return (await Deno.readTextFile(path)) || null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
