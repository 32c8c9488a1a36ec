/**
 * The experiment command line (the reference's `attack.py`): parsing into the reference's argument
 * namespace, `key:value` argument lists, post-parse validation, and the help text.
 */

import { PyFloat, pyFloatRepr, pyRepr } from "../results/format.ts";

/** A typed value of a `key:value` argument (`1.0` stays a Python float through `PyFloat`). */
export type KeyvalValue = boolean | number | string | PyFloat;

/** Parsed `key:value` arguments, in command-line order. */
export type KeyvalDict = Record<string, KeyvalValue>;

/** The reference's argument namespace (the 41 keys of `config.json`), with the same defaults and types. */
export interface ExperimentOptions {
  attack: string;
  attack_args: KeyvalDict;
  batch_size: number;
  batch_size_test: number;
  batch_size_test_reps: number;
  checkpoint_delta: number;
  criterion: string;
  criterion_args: KeyvalDict;
  dampening: number;
  dataset: string;
  device: string;
  device_gar: string;
  evaluation_delta: number;
  gar: string;
  gar_args: KeyvalDict;
  gradient_clip: number | null;
  l1_regularize: number | null;
  l2_regularize: number | null;
  learning_rate: number;
  learning_rate_decay: number;
  learning_rate_decay_delta: number;
  load_checkpoint: string | null;
  loss: string;
  loss_args: KeyvalDict;
  model: string;
  model_args: KeyvalDict;
  momentum: number;
  momentum_at: string;
  nb_decl_byz: number;
  nb_for_study: number;
  nb_for_study_past: number;
  /** Derived: `nb_workers − nb_real_byz`. */
  nb_honests: number;
  nb_local_steps: number;
  nb_real_byz: number;
  nb_steps: number;
  nb_workers: number;
  no_transform: boolean;
  result_directory: string | null;
  seed: number;
  user_input_delta: number;
  weight_decay: number;
}

/** Compatibility mode: reproduce the reference's quirks, or the corrected behaviour. */
export type CompatMode = "reference-v1" | "corrected";

/** Our own options, absent from the reference (and from `config.json`). */
export interface ExtraOptions {
  /** `--compat`. */
  compat: CompatMode;
  /** `--data-directory`: where datasets are looked up instead of the default location. */
  dataDirectory: string | null;
  /** `--momentum-nesterov`: gradients at the look-ahead point θ − μ·η·m (spec 12.1). */
  nesterov: boolean;
  /** `--metrics-readback`: steps between two GPU metric readbacks. */
  metricsReadback: number;
  /** `--attack-acceptation`: the study's 24th column of the later reference (spec 12.1). */
  acceptation: boolean;
}

/** A parsed command line ready to run. */
export interface ParsedCommandLine {
  kind: "run";
  options: ExperimentOptions;
  extra: ExtraOptions;
  /** Keys of `options` holding Python floats (so `2.0` is printed `2.0`); `weight_decay` only when given. */
  floatKeys: ReadonlySet<keyof ExperimentOptions>;
}

/** `--help` / `-h` was given: print `helpText()` and stop. */
export interface HelpRequest {
  kind: "help";
}

/** Command-line syntax error (argparse's exit code 2); the message is one line. */
export class UsageError extends Error {
  /** Builds the error from its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Invalid option values or `key:value` lists (the reference's `fatal`, exit code 1); one line. */
export class OptionsError extends Error {
  /** Builds the error from its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "OptionsError";
  }
}

type Kind = "int" | "float" | "str" | "flag" | "keyval" | "choice";

/** One command-line option: its flag, where it goes, its type, default and help line. */
interface OptionSpec {
  flag: string;
  key: string;
  kind: Kind;
  default: number | string | boolean | null;
  help: string;
  /** Our own option, stored in `ExtraOptions`. */
  extra?: boolean;
  /** The reference's default is the int `0`, not a float. */
  intDefault?: boolean;
  choices?: readonly string[];
  /** Smallest accepted int. */
  min?: number;
}

const SPECS: readonly OptionSpec[] = [
  {
    flag: "seed",
    key: "seed",
    kind: "int",
    default: -1,
    help: "Seed for a reproducible run; negative = not reproducible",
  },
  {
    flag: "device",
    key: "device",
    kind: "str",
    default: "auto",
    help: "Device of the experiment ('auto' = default)",
  },
  {
    flag: "device-gar",
    key: "device_gar",
    kind: "str",
    default: "same",
    help: "Device of the GAR ('same' = no change)",
  },
  {
    flag: "nb-steps",
    key: "nb_steps",
    kind: "int",
    default: -1,
    help: "Number of (additional) steps; negative = no limit",
  },
  { flag: "nb-workers", key: "nb_workers", kind: "int", default: 11, help: "Total number of workers n" },
  {
    flag: "nb-for-study",
    key: "nb_for_study",
    kind: "int",
    default: 11,
    help: "Gradients sampled per step for the study (K = max(honest, this)); ≤ 0 = no study",
  },
  {
    flag: "nb-for-study-past",
    key: "nb_for_study_past",
    kind: "int",
    default: 20,
    help: "Past average gradients kept for the curvature study",
  },
  {
    flag: "nb-decl-byz",
    key: "nb_decl_byz",
    kind: "int",
    default: 4,
    help: "Declared Byzantine workers f (told to GAR)",
  },
  {
    flag: "nb-real-byz",
    key: "nb_real_byz",
    kind: "int",
    default: 0,
    help: "Byzantine vectors actually produced",
  },
  { flag: "gar", key: "gar", kind: "str", default: "average", help: "Aggregation rule" },
  { flag: "gar-args", key: "gar_args", kind: "keyval", default: null, help: "GAR arguments, key:value ..." },
  { flag: "attack", key: "attack", kind: "str", default: "nan", help: "Attack" },
  {
    flag: "attack-args",
    key: "attack_args",
    kind: "keyval",
    default: null,
    help: "Attack arguments, key:value ...",
  },
  { flag: "model", key: "model", kind: "str", default: "simples-conv", help: "Model to train" },
  {
    flag: "model-args",
    key: "model_args",
    kind: "keyval",
    default: null,
    help: "Model arguments, key:value ...",
  },
  { flag: "loss", key: "loss", kind: "str", default: "nll", help: "Loss" },
  {
    flag: "loss-args",
    key: "loss_args",
    kind: "keyval",
    default: null,
    help: "Loss arguments, key:value ...",
  },
  { flag: "criterion", key: "criterion", kind: "str", default: "top-k", help: "Evaluation criterion" },
  {
    flag: "criterion-args",
    key: "criterion_args",
    kind: "keyval",
    default: null,
    help: "Criterion arguments, key:value ... (e.g. k:5)",
  },
  { flag: "dataset", key: "dataset", kind: "str", default: "mnist", help: "Dataset" },
  {
    flag: "batch-size",
    key: "batch_size",
    kind: "int",
    default: 25,
    help: "Training batch size per gradient",
  },
  { flag: "batch-size-test", key: "batch_size_test", kind: "int", default: 100, help: "Test batch size" },
  {
    flag: "batch-size-test-reps",
    key: "batch_size_test_reps",
    kind: "int",
    default: 100,
    help: "Test batches per evaluation",
  },
  {
    flag: "no-transform",
    key: "no_transform",
    kind: "flag",
    default: false,
    help: "No dataset transform (no flip, no normalisation)",
  },
  {
    flag: "learning-rate",
    key: "learning_rate",
    kind: "float",
    default: 0.01,
    help: "Initial learning rate",
  },
  {
    flag: "learning-rate-decay",
    key: "learning_rate_decay",
    kind: "int",
    default: 5000,
    help: "Hyperbolic half-decay time of the learning rate; 0 = constant",
  },
  {
    flag: "learning-rate-decay-delta",
    key: "learning_rate_decay_delta",
    kind: "int",
    default: 1,
    help: "Steps between two learning rate updates",
  },
  { flag: "momentum", key: "momentum", kind: "float", default: 0.9, help: "Momentum" },
  { flag: "dampening", key: "dampening", kind: "float", default: 0, help: "Dampening" },
  {
    flag: "momentum-at",
    key: "momentum_at",
    kind: "str",
    default: "update",
    help: "Where momentum is applied: update, server or worker",
  },
  {
    flag: "weight-decay",
    key: "weight_decay",
    kind: "float",
    default: 0,
    intDefault: true,
    help: "Weight decay",
  },
  {
    flag: "l1-regularize",
    key: "l1_regularize",
    kind: "float",
    default: null,
    help: "l1 regularisation factor",
  },
  {
    flag: "l2-regularize",
    key: "l2_regularize",
    kind: "float",
    default: 5e-4,
    help: "l2 regularisation factor",
  },
  {
    flag: "gradient-clip",
    key: "gradient_clip",
    kind: "float",
    default: null,
    help: "Clip threshold of each sampled gradient's l2 norm",
  },
  {
    flag: "nb-local-steps",
    key: "nb_local_steps",
    kind: "int",
    default: 1,
    help: "Local SGD steps per gradient (1 = standard)",
  },
  {
    flag: "load-checkpoint",
    key: "load_checkpoint",
    kind: "str",
    default: null,
    help: "Checkpoint to resume from",
  },
  {
    flag: "result-directory",
    key: "result_directory",
    kind: "str",
    default: null,
    help: "Directory for results; none = nothing written, no study",
  },
  {
    flag: "evaluation-delta",
    key: "evaluation_delta",
    kind: "int",
    default: 100,
    help: "Steps between evaluations; ≤ 0 = never",
  },
  {
    flag: "checkpoint-delta",
    key: "checkpoint_delta",
    kind: "int",
    default: 0,
    help: "Steps between checkpoints; 0 = never",
  },
  {
    flag: "user-input-delta",
    key: "user_input_delta",
    kind: "int",
    default: 0,
    help: "Steps between interactive prompts; 0 = never",
  },
  {
    flag: "compat",
    key: "compat",
    kind: "choice",
    choices: ["reference-v1", "corrected"],
    default: "corrected",
    extra: true,
    help: "(ours) reproduce the reference's quirks, or the corrected behaviour",
  },
  {
    flag: "data-directory",
    key: "dataDirectory",
    kind: "str",
    default: null,
    extra: true,
    help: "(ours) directory holding the dataset files",
  },
  {
    flag: "momentum-nesterov",
    key: "nesterov",
    kind: "flag",
    default: false,
    extra: true,
    help: "(ours, as the reference's later version) compute gradients at the Nesterov look-ahead point",
  },
  {
    flag: "metrics-readback",
    key: "metricsReadback",
    kind: "int",
    min: 1,
    default: 50,
    extra: true,
    help: "(ours) steps between two GPU metric readbacks (≥ 1)",
  },
  {
    flag: "attack-acceptation",
    key: "acceptation",
    kind: "flag",
    default: false,
    extra: true,
    help: "(ours, as the reference's later version) add the study column 'Attack acceptation ratio': the " +
      "share of the vectors the rule retains that are the attack's (NaN for rules that retain no subset)",
  },
];

const MOMENTUM_POSITIONS = ["update", "server", "worker"] as const;

/** Python `int()` syntax (ASCII digits, optional underscores between digits). */
const INT_SYNTAX = /^\s*[+-]?\d(?:_?\d)*\s*$/;
/** Python `float()` syntax. */
const FLOAT_SYNTAX =
  /^\s*[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:e[+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)\s*$/i;
/** argparse's test for a token that is a negative number rather than an option. */
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** Python `int(text)`, or undefined when it would raise (or exceed JavaScript's exact integers). */
function pyInt(text: string): number | undefined {
  if (!INT_SYNTAX.test(text)) return undefined;
  const value = Number(text.replace(/[\s_]/g, ""));
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Python `float(text)`, or undefined when it would raise. */
function pyFloat(text: string): number | undefined {
  if (!FLOAT_SYNTAX.test(text)) return undefined;
  const cleaned = text.replace(/[\s_]/g, "").toLowerCase();
  const unsigned = cleaned.replace(/^[+-]/, "");
  if (unsigned.startsWith("inf")) return cleaned.startsWith("-") ? -Infinity : Infinity;
  if (unsigned === "nan") return NaN;
  return Number(cleaned);
}

/** The reference's `parse_keyval`: `key:value` tokens into a dict, values typed bool, int, float or string. */
export function parseKeyval(tokens: readonly string[]): KeyvalDict {
  const parsed = new Map<string, KeyvalValue>();
  for (const token of tokens) {
    const colon = token.indexOf(":");
    if (colon < 0) {
      throw new OptionsError(`Expected list of '<key>:<value>', got ${pyRepr(token)} as one entry`);
    }
    const key = token.slice(0, colon);
    if (parsed.has(key)) {
      throw new OptionsError(
        `Key ${pyRepr(key)} had already been specified with value ${pyRepr(parsed.get(key)!)}`,
      );
    }
    parsed.set(key, autoConvert(token.slice(colon + 1)));
  }
  return Object.fromEntries(parsed);
}

/** Guesses the type of a `key:value` value like the reference: bool, then int, then float, else string. */
function autoConvert(text: string): KeyvalValue {
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (INT_SYNTAX.test(text)) return Number(text.replace(/[\s_]/g, ""));
  const float = pyFloat(text);
  return float === undefined ? text : new PyFloat(float);
}

/** Whether argparse would take `token` as a value rather than as an option. */
function isValueToken(token: string): boolean {
  return token === "" || token === "-" || !token.startsWith("-") || NEGATIVE_NUMBER.test(token) ||
    token.includes(" ");
}

/** The option a `--name` designates: exact name, else a unique prefix (like argparse). */
function findSpec(name: string): OptionSpec {
  const exact = SPECS.find((spec) => spec.flag === name);
  if (exact) return exact;
  const matches = name === "" ? [] : SPECS.filter((spec) => spec.flag.startsWith(name));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const names = matches.map((spec) => `--${spec.flag}`).join(", ");
    throw new UsageError(`ambiguous option '--${name}' could match ${names}`);
  }
  throw new UsageError(`unknown option '--${name}' (see --help)`);
}

/** Converts an option's text value to its type, or throws a `UsageError`. */
function convert(spec: OptionSpec, text: string): number | string {
  if (spec.kind === "int") {
    const value = pyInt(text);
    if (value === undefined) throw new UsageError(`option '--${spec.flag}': invalid int value '${text}'`);
    if (spec.min !== undefined && value < spec.min) {
      throw new UsageError(`option '--${spec.flag}': value ${value} is below the minimum ${spec.min}`);
    }
    return value;
  }
  if (spec.kind === "float") {
    const value = pyFloat(text);
    if (value === undefined) throw new UsageError(`option '--${spec.flag}': invalid float value '${text}'`);
    return value;
  }
  if (spec.choices && !spec.choices.includes(text)) {
    throw new UsageError(
      `option '--${spec.flag}': invalid choice '${text}' (choose from ${spec.choices.join(", ")})`,
    );
  }
  return text;
}

/**
 * Parses the experiment command line (long options only; `--opt value` or `--opt=value`; unique prefixes
 * accepted; an option given twice: last wins; `*-args` take zero or more `key:value` tokens). Syntax errors
 * throw `UsageError`, malformed `key:value` lists `OptionsError`. Values are not validated here beyond
 * their types: see `validateOptions`.
 */
export function parseExperimentArgs(argv: readonly string[]): ParsedCommandLine | HelpRequest {
  const values = new Map<string, number | string | boolean | null | readonly string[]>();
  let index = 0;
  while (index < argv.length) {
    const token = argv[index++];
    if (token === "--help" || token === "-h") return { kind: "help" };
    if (!token.startsWith("--") || token === "--") {
      throw new UsageError(`unrecognized argument '${token}' (see --help)`);
    }
    const equals = token.indexOf("=");
    const name = equals < 0 ? token.slice(2) : token.slice(2, equals);
    const inline = equals < 0 ? undefined : token.slice(equals + 1);
    const spec = findSpec(name);
    if (spec.kind === "flag") {
      if (inline !== undefined) throw new UsageError(`option '--${spec.flag}' takes no value`);
      values.set(spec.key, true);
    } else if (spec.kind === "keyval") {
      const tokens = inline === undefined ? [] : [inline];
      while (index < argv.length && isValueToken(argv[index])) tokens.push(argv[index++]);
      values.set(spec.key, tokens);
    } else {
      let text = inline;
      if (text === undefined) {
        if (index >= argv.length || !isValueToken(argv[index])) {
          throw new UsageError(`option '--${spec.flag}' expects one argument`);
        }
        text = argv[index++];
      }
      values.set(spec.key, convert(spec, text));
    }
  }
  return assemble(values);
}

/** Builds the namespace, the extra options and the float keys from the given values and the defaults. */
function assemble(
  values: Map<string, number | string | boolean | null | readonly string[]>,
): ParsedCommandLine {
  const options: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  const floatKeys = new Set<keyof ExperimentOptions>();
  for (const spec of SPECS) {
    const given = values.get(spec.key);
    let value: unknown = given === undefined ? spec.default : given;
    if (spec.kind === "keyval") value = parseKeyval((given ?? []) as readonly string[]);
    if (spec.kind === "float" && value !== null && (given !== undefined || !spec.intDefault)) {
      floatKeys.add(spec.key as keyof ExperimentOptions);
    }
    (spec.extra ? extra : options)[spec.key] = value;
  }
  options.nb_honests = (options.nb_workers as number) - (options.nb_real_byz as number);
  return {
    kind: "run",
    options: options as unknown as ExperimentOptions,
    extra: extra as unknown as ExtraOptions,
    floatKeys,
  };
}

/**
 * The reference's post-parse checks and adjustments (spec §1.1, in order), applied in place: throws
 * `OptionsError` on invalid values, returns the warnings to print (seed ignored with a checkpoint,
 * study parameters adjusted).
 */
export function validateOptions(options: ExperimentOptions): string[] {
  const warnings: string[] = [];
  options.nb_honests = options.nb_workers - options.nb_real_byz;
  if (options.nb_honests < 0) {
    throw new OptionsError(
      `Invalid arguments: there are more real Byzantine workers (${options.nb_real_byz}) than total workers (${options.nb_workers})`,
    );
  }
  if (options.learning_rate <= 0) {
    throw new OptionsError(
      `Invalid arguments: non-positive learning rate ${pyFloatRepr(options.learning_rate)}`,
    );
  }
  if (options.learning_rate_decay < 0) {
    throw new OptionsError(`Invalid arguments: negative learning rate decay ${options.learning_rate_decay}`);
  }
  if (options.learning_rate_decay_delta <= 0) {
    throw new OptionsError(
      `Invalid arguments: non-positive learning rate decay delta ${options.learning_rate_decay_delta}`,
    );
  }
  if (!(MOMENTUM_POSITIONS as readonly string[]).includes(options.momentum_at)) {
    throw new OptionsError(
      `Unknown momentum position ${pyRepr(options.momentum_at)}, expected one of: ${
        MOMENTUM_POSITIONS.join(", ")
      }`,
    );
  }
  if (options.nb_local_steps < 1) {
    throw new OptionsError(`Invalid arguments: non-positive number of local steps ${options.nb_local_steps}`);
  }
  if (options.seed >= 0 && options.load_checkpoint !== null) {
    warnings.push("Unable to enforce reproducibility when a checkpoint is loaded; ignoring seed");
    options.seed = -1;
  }
  if (options.result_directory === null) {
    if (options.nb_for_study > 0) options.nb_for_study = 0;
    if (options.nb_for_study_past > 0) options.nb_for_study_past = 0;
  } else if (options.nb_for_study_past < 1) {
    warnings.push(
      "At least one gradient must exist in the past to enable studying honest curvature; set '--nb-for-study-past 1'",
    );
    options.nb_for_study_past = 1;
  } else if (options.momentum === 0 && options.nb_for_study_past > 1) {
    warnings.push(
      "Momentum is (almost) zero, no need to store more than the previous honest gradient; set '--nb-for-study-past 1'",
    );
    options.nb_for_study_past = 1;
  }
  return warnings;
}

/** The `--help` text: every option with its default and meaning. */
export function helpText(): string {
  const rows = SPECS.map((spec) => {
    const left = `--${spec.flag}${metavar(spec)}`;
    return [left, `${spec.help} (default: ${defaultText(spec)})`];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    "usage: experiment [--option value ...]",
    "",
    "Simulates Byzantine-resilient distributed SGD (options of the reference's attack.py; '(ours)' marks additions).",
    "",
    "options:",
    `  ${"-h, --help".padEnd(width)}show this help and exit`,
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ].join("\n");
}

/** Placeholder of an option's value in the help text. */
function metavar(spec: OptionSpec): string {
  switch (spec.kind) {
    case "flag":
      return "";
    case "keyval":
      return " [KEY:VALUE ...]";
    case "choice":
      return ` {${spec.choices!.join(",")}}`;
    default:
      return ` ${spec.kind.toUpperCase()}`;
  }
}

/** An option's default as shown in the help text. */
function defaultText(spec: OptionSpec): string {
  if (spec.default === null) return "none";
  if (spec.kind === "float" && !spec.intDefault) return pyFloatRepr(spec.default as number);
  return String(spec.default);
}
