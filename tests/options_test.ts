import assert from "node:assert/strict";
import {
  type ExperimentOptions,
  helpText,
  OptionsError,
  type ParsedCommandLine,
  parseExperimentArgs,
  parseKeyval,
  UsageError,
  validateOptions,
} from "../cli/options.ts";
import { configJson, renderConfigTree } from "../results/config.ts";
import { PyFloat } from "../results/format.ts";

/** Parses a command line given as one string (or tokens), expecting a run. */
function parse(command: string | string[]): ParsedCommandLine {
  const argv = typeof command === "string" ? command.split(" ").filter((token) => token !== "") : command;
  const parsed = parseExperimentArgs(argv);
  assert.equal(parsed.kind, "run");
  return parsed as ParsedCommandLine;
}

/** The validation error message of a command line. */
function validationError(command: string): string {
  const { options } = parse(command);
  try {
    validateOptions(options);
  } catch (error) {
    assert.ok(error instanceof OptionsError);
    assert.ok(!error.message.includes("\n"));
    return error.message;
  }
  assert.fail(`no error for '${command}'`);
}

const DEFAULTS: ExperimentOptions = {
  attack: "nan",
  attack_args: {},
  batch_size: 25,
  batch_size_test: 100,
  batch_size_test_reps: 100,
  checkpoint_delta: 0,
  criterion: "top-k",
  criterion_args: {},
  dampening: 0,
  dataset: "mnist",
  device: "auto",
  device_gar: "same",
  evaluation_delta: 100,
  gar: "average",
  gar_args: {},
  gradient_clip: null,
  l1_regularize: null,
  l2_regularize: 5e-4,
  learning_rate: 0.01,
  learning_rate_decay: 5000,
  learning_rate_decay_delta: 1,
  load_checkpoint: null,
  loss: "nll",
  loss_args: {},
  model: "simples-conv",
  model_args: {},
  momentum: 0.9,
  momentum_at: "update",
  nb_decl_byz: 4,
  nb_for_study: 11,
  nb_for_study_past: 20,
  nb_honests: 11,
  nb_local_steps: 1,
  nb_real_byz: 0,
  nb_steps: -1,
  nb_workers: 11,
  no_transform: false,
  result_directory: null,
  seed: -1,
  user_input_delta: 0,
  weight_decay: 0,
};

Deno.test("defaults: the reference namespace (41 keys), extra options apart", () => {
  const parsed = parse([]);
  assert.deepEqual(parsed.options, DEFAULTS);
  assert.equal(Object.keys(parsed.options).length, 41);
  assert.deepEqual(parsed.extra, {
    acceptation: false,
    compat: "corrected",
    dataDirectory: null,
    metricsReadback: 50,
    nesterov: false,
  });
  assert.deepEqual([...parsed.floatKeys].sort(), ["dampening", "l2_regularize", "learning_rate", "momentum"]);
});

Deno.test("values of every kind, '=' syntax, prefixes, negative numbers, last occurrence wins", () => {
  const parsed = parse(
    "--seed -1 --seed 3 --nb-workers=51 --nb-decl 24 --nb-real-byz 24 --learning-rate 2 --momentum=-0.5 " +
      "--weight-decay 0 --gradient-clip 1e-3 --l1-regularize inf --no-transform --result-directory /tmp/r " +
      "--load-checkpoint ck --device cpu --gar krum --gar-args m:1 --gar-args m:2 --nb-steps=-5 " +
      "--compat reference-v1 --data-directory /data --metrics-readback 7 --evaluation-delta 1_0",
  );
  const o = parsed.options;
  assert.deepEqual(
    [o.seed, o.nb_workers, o.nb_decl_byz, o.nb_real_byz, o.nb_honests, o.nb_steps, o.evaluation_delta],
    [3, 51, 24, 24, 27, -5, 10],
  );
  assert.deepEqual([o.learning_rate, o.momentum, o.weight_decay, o.gradient_clip, o.l1_regularize], [
    2,
    -0.5,
    0,
    1e-3,
    Infinity,
  ]);
  assert.deepEqual([o.no_transform, o.result_directory, o.load_checkpoint, o.device, o.gar], [
    true,
    "/tmp/r",
    "ck",
    "cpu",
    "krum",
  ]);
  assert.deepEqual(o.gar_args, { m: 2 });
  assert.deepEqual(parsed.extra, {
    acceptation: false,
    compat: "reference-v1",
    dataDirectory: "/data",
    metricsReadback: 7,
    nesterov: false,
  });
  assert.ok(parsed.floatKeys.has("weight_decay"));
  assert.ok(parsed.floatKeys.has("gradient_clip"));
  assert.ok(!parsed.floatKeys.has("nb_workers"));
  assert.deepEqual(parse("--attack-args --gar median").options.attack_args, {});
});

Deno.test("key:value typing: bool, int, float, string (spec 1.2)", () => {
  const args = parse([
    "--attack-args",
    "factor:2",
    "f:1.5",
    "one:1.0",
    "negative:True",
    "off:FALSE",
    "target_idx:all",
    "big:1e3",
    "empty:",
    "colon:a:b",
    "n:nan",
    "u:1_000",
    "s: 7 ",
    "neg:-3",
    "--model",
    "x",
  ]).options.attack_args;
  assert.deepEqual(Object.keys(args), [
    "factor",
    "f",
    "one",
    "negative",
    "off",
    "target_idx",
    "big",
    "empty",
    "colon",
    "n",
    "u",
    "s",
    "neg",
  ]);
  assert.equal(args.factor, 2);
  assert.deepEqual(args.f, new PyFloat(1.5));
  assert.deepEqual(args.one, new PyFloat(1));
  assert.equal(args.negative, true);
  assert.equal(args.off, false);
  assert.equal(args.target_idx, "all");
  assert.deepEqual(args.big, new PyFloat(1000));
  assert.equal(args.empty, "");
  assert.equal(args.colon, "a:b");
  assert.ok(args.n instanceof PyFloat && Number.isNaN(args.n.value));
  assert.equal(args.u, 1000);
  assert.equal(args.s, 7);
  assert.equal(args.neg, -3);
});

Deno.test("key:value errors (spec 1.2)", () => {
  assert.throws(
    () => parseKeyval(["m:1", "oops"]),
    new OptionsError("Expected list of '<key>:<value>', got 'oops' as one entry"),
  );
  assert.throws(
    () => parseKeyval(["k:2", "k:3"]),
    new OptionsError("Key 'k' had already been specified with value 2"),
  );
  assert.throws(
    () => parseKeyval(["k:a", "k:b"]),
    new OptionsError("Key 'k' had already been specified with value 'a'"),
  );
  assert.throws(
    () => parseKeyval(["k:1.0", "k:b"]),
    new OptionsError("Key 'k' had already been specified with value 1.0"),
  );
  assert.throws(() => parse("--gar-args m"), OptionsError);
});

Deno.test("usage errors: unknown, ambiguous, missing or malformed values", () => {
  const cases: [string[], RegExp][] = [
    [["--foo"], /^unknown option '--foo' \(see --help\)$/],
    [["--nb", "3"], /^ambiguous option '--nb' could match --nb-steps, --nb-workers/],
    [["stray"], /^unrecognized argument 'stray'/],
    [["-x"], /^unrecognized argument '-x'/],
    [["--seed"], /^option '--seed' expects one argument$/],
    [["--seed", "--gar", "krum"], /^option '--seed' expects one argument$/],
    [["--learning-rate", "-1e-3"], /^option '--learning-rate' expects one argument$/],
    [["--seed", "1.5"], /^option '--seed': invalid int value '1\.5'$/],
    [["--nb-workers", "ten"], /invalid int value 'ten'/],
    [["--momentum", "fast"], /^option '--momentum': invalid float value 'fast'$/],
    [["--no-transform=yes"], /^option '--no-transform' takes no value$/],
    [["--compat", "v2"], /invalid choice 'v2' \(choose from reference-v1, corrected\)/],
    [["--metrics-readback", "0"], /below the minimum 1/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseExperimentArgs(argv), (error: unknown) => {
      assert.ok(error instanceof UsageError, `${argv.join(" ")}: ${error}`);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.equal(parse(["--learning-rate=-1e-3"]).options.learning_rate, -1e-3);
});

Deno.test("help: --help and -h request the help text, which lists every option with its default", () => {
  assert.deepEqual(parseExperimentArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parseExperimentArgs(["--seed", "1", "-h"]), { kind: "help" });
  const text = helpText();
  for (
    const flag of [
      "--seed",
      "--gar-args",
      "--no-transform",
      "--user-input-delta",
      "--compat",
      "--metrics-readback",
    ]
  ) {
    assert.ok(text.includes(flag), flag);
  }
  assert.ok(text.includes("--data-directory"));
  assert.match(text, /--l2-regularize FLOAT +.*\(default: 0\.0005\)/);
  assert.match(text, /--nb-workers INT +.*\(default: 11\)/);
});

Deno.test("validation errors of spec 1.1, in order", () => {
  assert.equal(
    validationError("--nb-workers 3 --nb-real-byz 4 --learning-rate 0"),
    "Invalid arguments: there are more real Byzantine workers (4) than total workers (3)",
  );
  assert.equal(validationError("--learning-rate 0"), "Invalid arguments: non-positive learning rate 0.0");
  assert.equal(validationError("--learning-rate=-1"), "Invalid arguments: non-positive learning rate -1.0");
  assert.equal(
    validationError("--learning-rate-decay -1 --learning-rate-decay-delta 0"),
    "Invalid arguments: negative learning rate decay -1",
  );
  assert.equal(
    validationError("--learning-rate-decay 0 --learning-rate-decay-delta 0"),
    "Invalid arguments: non-positive learning rate decay delta 0",
  );
  assert.equal(
    validationError("--momentum-at nowhere --nb-local-steps 0"),
    "Unknown momentum position 'nowhere', expected one of: update, server, worker",
  );
  assert.equal(
    validationError("--nb-local-steps 0"),
    "Invalid arguments: non-positive number of local steps 0",
  );
});

Deno.test("validation adjustments: seed with checkpoint, study parameters", () => {
  const check = (command: string, expected: Partial<ExperimentOptions>, warnings: string[]) => {
    const { options } = parse(command);
    assert.deepEqual(validateOptions(options), warnings, command);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(options[key as keyof ExperimentOptions], value, `${command}: ${key}`);
    }
  };
  check("--seed 5 --load-checkpoint ck", { seed: -1 }, [
    "Unable to enforce reproducibility when a checkpoint is loaded; ignoring seed",
  ]);
  check("--seed 5", { seed: 5 }, []);
  check("", { nb_for_study: 0, nb_for_study_past: 0 }, []);
  check("--nb-for-study -2 --nb-for-study-past -3", { nb_for_study: -2, nb_for_study_past: -3 }, []);
  check("--result-directory r --nb-for-study-past 0", { nb_for_study: 11, nb_for_study_past: 1 }, [
    "At least one gradient must exist in the past to enable studying honest curvature; set '--nb-for-study-past 1'",
  ]);
  check("--result-directory r --momentum 0", { nb_for_study_past: 1 }, [
    "Momentum is (almost) zero, no need to store more than the previous honest gradient; set '--nb-for-study-past 1'",
  ]);
  check("--result-directory r --momentum 1e-12", { nb_for_study_past: 20 }, []);
  check("--result-directory r --momentum 0 --nb-for-study-past 1", { nb_for_study_past: 1 }, []);
  check("--nb-workers 9 --nb-real-byz 2", { nb_honests: 7 }, []);
});

Deno.test("configuration tree as in spec 2.3", () => {
  const parsed = parse(
    "--seed 1 --nb-workers 51 --nb-decl-byz 24 --nb-real-byz 24 --nb-for-study 27 --nb-for-study-past 150 " +
      "--model simples-full --batch-size 83 --attack little --attack-args factor:1.5 negative:True --gar krum " +
      "--result-directory /tmp/r --learning-rate 0.5 --learning-rate-decay 167 --learning-rate-decay-delta 1500 " +
      "--l2-regularize 1e-4",
  );
  validateOptions(parsed.options);
  const expected = [
    "Configuration",
    "· Reproducibility - enforced (seed 1)",
    "· #workers        - 51",
    "· #local steps    - 1 (standard)",
    "· #declared Byz.  - 24",
    "· #actually Byz.  - 24",
    "· #study per step - 27",
    "· #study for past - 150",
    "· Model          ",
    "  · Name      - simples-full",
    "  · Arguments - <none>",
    "· Dataset        ",
    "  · Name       - mnist",
    "  · Batch size",
    "    · Training - 83",
    "    · Testing  - 100 × 100",
    "  · Transforms - default",
    "· Loss           ",
    "  · Name           - nll",
    "  · Arguments      - <none>",
    "  · Regularization",
    "    · l1 - none",
    "    · l2 - 0.0001",
    "· Criterion      ",
    "  · Name      - top-k",
    "  · Arguments - <none>",
    "· Optimizer      ",
    "  · Name          - sgd",
    "  · Learning rate",
    "    · Initial      - 0.5",
    "    · Half-decay   - 167",
    "    · Update delta - 1500",
    "  · Momentum     ",
    "    · Where     - at update",
    "    · Momentum  - 0.9",
    "    · Dampening - 0.0",
    "  · Weight decay  - 0",
    "  · Gradient clip - never",
    "· Attack         ",
    "  · Name      - little",
    "  · Arguments",
    "    · factor   - 1.5",
    "    · negative - True",
    "· Aggregation    ",
    "  · Name      - krum",
    "  · Arguments - <none>",
  ].join("\n");
  assert.equal(renderConfigTree(parsed.options, parsed.floatKeys), expected);
});

Deno.test("configuration tree: no study, no decay, float-typed values given as integers", () => {
  const parsed = parse(
    "--learning-rate-decay 0 --nb-local-steps 2 --weight-decay 0 --momentum 1 --gradient-clip 2 " +
      "--l1-regularize 1 --no-transform --momentum-at worker --gar-args m:3",
  );
  validateOptions(parsed.options);
  const tree = renderConfigTree(parsed.options, parsed.floatKeys);
  for (
    const line of [
      "· Reproducibility - not enforced",
      "· #local steps    - 2",
      "· #study per step - no study",
      "· #study for past - no study",
      "  · Transforms - none",
      "    · l1 - 1.0",
      "    · Initial      - 0.01",
      "    · Half-decay   - none",
      "    · Update delta - n/a",
      "    · Where     - at worker",
      "    · Momentum  - 1.0",
      "  · Weight decay  - 0.0",
      "  · Gradient clip - 2.0",
      "  · Arguments\n    · m - 3",
    ]
  ) assert.ok(tree.includes(`\n${line}`), line);
});

Deno.test("config.json: sorted keys, tab indentation, Python number formatting", () => {
  const parsed = parse(
    "--seed 2 --result-directory /abs/r --gar-args m:5 alpha:1.0 --attack-args name:é --weight-decay 0 " +
      "--momentum 0 --learning-rate 1e-05",
  );
  validateOptions(parsed.options);
  const text = configJson(parsed.options, parsed.floatKeys);
  const lines = text.split("\n");
  assert.equal(lines[0], "{");
  assert.equal(lines.at(-1), "}");
  assert.ok(!text.endsWith("\n"));
  const keys = lines.filter((line) => /^\t"/.test(line)).map((line) => line.slice(2, line.indexOf('"', 2)));
  assert.equal(keys.length, 41);
  assert.deepEqual(keys, [...keys].sort());
  for (
    const fragment of [
      '\t"attack_args": {\n\t\t"name": "é"\n\t},',
      '\t"gar_args": {\n\t\t"m": 5,\n\t\t"alpha": 1.0\n\t},',
      '\t"criterion_args": {},',
      '\t"dampening": 0.0,',
      '\t"gradient_clip": null,',
      '\t"l2_regularize": 0.0005,',
      '\t"learning_rate": 1e-05,',
      '\t"momentum": 0.0,',
      '\t"nb_for_study_past": 1,',
      '\t"no_transform": false,',
      '\t"result_directory": "/abs/r",',
      '\t"seed": 2,',
      '\t"weight_decay": 0.0\n}',
    ]
  ) assert.ok(text.includes(fragment), fragment);
  const defaults = parse([]);
  assert.ok(configJson(defaults.options, defaults.floatKeys).includes('\t"weight_decay": 0\n}'));
  const special = parse("--momentum nan --l1-regularize=-inf");
  const specialText = configJson(special.options, special.floatKeys);
  assert.ok(specialText.includes('"momentum": NaN,'));
  assert.ok(specialText.includes('"l1_regularize": -Infinity,'));
});
