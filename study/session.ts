/**
 * A result directory loaded for study (spec 9, `study.Session`): the configuration, `config.json`, and the
 * `study` and `eval` tables outer-joined on the step number. Unlike the reference, a missing `eval` (or
 * `study`) file is only a warning (QUIRK 13 fixed).
 */
import { basename, resolve } from "node:path";
import { EMPTY_FRAME, type Frame, outerJoin, parseTable } from "./frame.ts";

/** The parsed `config.json` of a run (the reference's argument namespace). */
export type RunConfig = Readonly<Record<string, unknown>>;

/** A loaded result directory. */
export interface Session {
  /** Directory name, e.g. `mnist-little-krum-f_24-lr_0.5-at_update-1`. */
  readonly name: string;
  /** Absolute path of the directory. */
  readonly path: string;
  /** The human-readable configuration (`config`), or null when missing. */
  readonly config: string | null;
  /** `config.json`, or null when missing. */
  readonly json: RunConfig | null;
  /** `study` and `eval` outer-joined on `Step number`. */
  readonly data: Frame;
}

/** Reports a non-fatal problem (a missing file). */
export type Warn = (message: string) => void;

/** Loads result directory `path`; missing files are reported through `warn`, a missing directory throws. */
export async function loadSession(
  path: string,
  warn: Warn = (message) => console.warn(`[warning] ${message}`),
): Promise<Session> {
  const absolute = resolve(path);
  const info = await Deno.stat(absolute).catch(() => null);
  if (info === null || !info.isDirectory) throw new Error(`Result directory '${absolute}' does not exist`);
  const read = async (file: string): Promise<string | null> => {
    try {
      return await Deno.readTextFile(`${absolute}/${file}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      warn(`Result directory '${absolute}' has no '${file}' file`);
      return null;
    }
  };
  const [config, jsonText, study, evaluation] = await Promise.all(
    ["config", "config.json", "study", "eval"].map(read),
  );
  const table = (text: string | null, file: string) =>
    text === null ? EMPTY_FRAME : parseTable(text, `${absolute}/${file}`);
  return {
    name: basename(absolute),
    path: absolute,
    config,
    json: jsonText === null ? null : JSON.parse(jsonText) as RunConfig,
    data: outerJoin(table(study, "study"), table(evaluation, "eval")),
  };
}

/** A copy of `session` whose data has the extra columns `added` (after the existing ones). */
export function withColumns(session: Session, added: ReadonlyMap<string, Float64Array>): Session {
  return {
    ...session,
    data: { steps: session.data.steps, columns: new Map([...session.data.columns, ...added]) },
  };
}
