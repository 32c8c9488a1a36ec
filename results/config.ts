/**
 * The run configuration as the reference writes it: the human-readable tree (`config` file and stdout)
 * and `config.json`.
 */

import type { ExperimentOptions, KeyvalDict } from "../cli/options.ts";
import { PyFloat, pyFloatRepr, pyStr, type PyValue } from "./format.ts";

/** A tree node's value: a leaf, a group of labelled children, or a `key:value` dict (`<none>` if empty). */
type TreeValue = PyValue | Group | DictNode;
/** Labelled children, in order. */
type Group = { readonly group: readonly (readonly [string, TreeValue])[] };
/** A `key:value` argument dict, shown as a group of its entries. */
type DictNode = { readonly dict: KeyvalDict };

/** Shorthand constructor of a group. */
function group(...entries: (readonly [string, TreeValue])[]): Group {
  return { group: entries };
}

/**
 * The configuration tree printed by the reference (title `Configuration`, `· label - value` lines, labels
 * padded to their siblings' longest, two spaces of indentation per level), without a final newline.
 * `floatKeys` tells which options hold Python floats (see `ParsedCommandLine.floatKeys`).
 */
export function renderConfigTree(
  options: ExperimentOptions,
  floatKeys: ReadonlySet<keyof ExperimentOptions>,
): string {
  const py = (key: keyof ExperimentOptions): PyValue => typed(options, floatKeys, key);
  const orNone = (key: keyof ExperimentOptions, none: string): PyValue =>
    options[key] === null ? none : py(key);
  const decays = options.learning_rate_decay > 0;
  const tree = group(
    ["Reproducibility", options.seed < 0 ? "not enforced" : `enforced (seed ${options.seed})`],
    ["#workers", options.nb_workers],
    ["#local steps", options.nb_local_steps === 1 ? "1 (standard)" : options.nb_local_steps],
    ["#declared Byz.", options.nb_decl_byz],
    ["#actually Byz.", options.nb_real_byz],
    [
      "#study per step",
      options.nb_for_study === 0 ? "no study" : Math.max(options.nb_honests, options.nb_for_study),
    ],
    ["#study for past", options.nb_for_study_past === 0 ? "no study" : options.nb_for_study_past],
    ["Model", group(["Name", options.model], ["Arguments", { dict: options.model_args }])],
    [
      "Dataset",
      group(
        ["Name", options.dataset],
        [
          "Batch size",
          group(
            ["Training", options.batch_size],
            ["Testing", `${options.batch_size_test} × ${options.batch_size_test_reps}`],
          ),
        ],
        ["Transforms", options.no_transform ? "none" : "default"],
      ),
    ],
    [
      "Loss",
      group(
        ["Name", options.loss],
        ["Arguments", { dict: options.loss_args }],
        [
          "Regularization",
          group(["l1", orNone("l1_regularize", "none")], ["l2", orNone("l2_regularize", "none")]),
        ],
      ),
    ],
    ["Criterion", group(["Name", options.criterion], ["Arguments", { dict: options.criterion_args }])],
    [
      "Optimizer",
      group(
        ["Name", "sgd"],
        [
          "Learning rate",
          group(
            ["Initial", py("learning_rate")],
            ["Half-decay", decays ? options.learning_rate_decay : "none"],
            ["Update delta", decays ? options.learning_rate_decay_delta : "n/a"],
          ),
        ],
        [
          "Momentum",
          group(["Where", `at ${options.momentum_at}`], ["Momentum", py("momentum")], [
            "Dampening",
            py("dampening"),
          ]),
        ],
        ["Weight decay", py("weight_decay")],
        ["Gradient clip", orNone("gradient_clip", "never")],
      ),
    ],
    ["Attack", group(["Name", options.attack], ["Arguments", { dict: options.attack_args }])],
    ["Aggregation", group(["Name", options.gar], ["Arguments", { dict: options.gar_args }])],
  );
  return "Configuration" + renderNode(tree, 0);
}

/** Renders a node's tail: ` - value`, ` - <none>`, or its children on the following lines. */
function renderNode(value: TreeValue, level: number): string {
  let entries: readonly (readonly [string, TreeValue])[];
  if (isGroup(value)) entries = value.group;
  else if (isDict(value)) {
    entries = Object.entries(value.dict);
    if (entries.length === 0) return " - <none>";
  } else return ` - ${pyStr(value)}`;
  const width = Math.max(...entries.map(([label]) => codePoints(label)));
  const indent = "  ".repeat(level);
  return entries
    .map(([label, child]) =>
      `\n${indent}· ${label}${" ".repeat(width - codePoints(label))}${renderNode(child, level + 1)}`
    )
    .join("");
}

/** Whether a tree value is a group. */
function isGroup(value: TreeValue): value is Group {
  return typeof value === "object" && value !== null && "group" in value;
}

/** Whether a tree value is a `key:value` dict. */
function isDict(value: TreeValue): value is DictNode {
  return typeof value === "object" && value !== null && "dict" in value;
}

/** Length in code points, as Python's `len` counts. */
function codePoints(text: string): number {
  return [...text].length;
}

/** An option's value with its Python type: float-typed numbers wrapped in `PyFloat`. */
function typed(
  options: ExperimentOptions,
  floatKeys: ReadonlySet<keyof ExperimentOptions>,
  key: keyof ExperimentOptions,
): PyValue {
  const value = options[key];
  return typeof value === "number" && floatKeys.has(key) ? new PyFloat(value) : value;
}

/**
 * `config.json` as the reference dumps its namespace: keys sorted (the `key:value` dicts keep their
 * order), TAB indentation, UTF-8 unescaped, Python's number formatting (`2.0`, `1e-05`, `NaN`,
 * `Infinity`), no final newline. `result_directory` should already be the absolute path.
 */
export function configJson(
  options: ExperimentOptions,
  floatKeys: ReadonlySet<keyof ExperimentOptions>,
): string {
  const keys = (Object.keys(options) as (keyof ExperimentOptions)[]).sort();
  const namespace = Object.fromEntries(keys.map((key) => [key, typed(options, floatKeys, key)]));
  return pyJson(namespace, 0);
}

/** Python `json.dumps(value, ensure_ascii=False, indent="\t")`. */
function pyJson(value: PyValue, level: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof PyFloat) return jsonFloat(value.value);
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value).toString() : jsonFloat(value);
  const inner = "\t".repeat(level + 1);
  const outer = "\t".repeat(level);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => inner + pyJson(item, level + 1)).join(",\n")}\n${outer}]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: PyValue });
  if (entries.length === 0) return "{}";
  const body = entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${pyJson(item, level + 1)}`);
  return `{\n${body.join(",\n")}\n${outer}}`;
}

/** A float as Python's json writes it. */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pyFloatRepr(x);
}
